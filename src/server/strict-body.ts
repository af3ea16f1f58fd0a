// JSON bodies checked as sent. Fastify's validator coerces (it must, for query strings), so it
// would take 123 for '123' and 'id' for ['id'] and act on a body the client did not send; routes
// with a JSON body run this first. Multipart bodies are the handler's to check, part by part.
import type { FastifyRequest } from 'fastify';
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { fieldErrors, validationError } from './field-errors.js';

export function strictBody(schema: TSchema, what: string) {
  return async (request: FastifyRequest): Promise<void> => {
    if (request.isMultipart() || Value.Check(schema, request.body)) return;
    throw validationError(what, fieldErrors(Value.Errors(schema, request.body)));
  };
}
