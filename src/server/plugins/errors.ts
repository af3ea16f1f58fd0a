// Every error becomes problem+json with our code: library errors by their code, Fastify's own
// (validation, malformed JSON, multipart limits, body too large) mapped to ours, unknown routes
// 404, anything else a 500 that says nothing of the internals (the log has them).
import fp from 'fastify-plugin';
import type { FastifyError, FastifyInstance } from 'fastify';
import { MixchainError } from '../../errors.js';
import { fieldErrors, type FieldError } from '../field-errors.js';
import { statusOf } from '../http-status.js';
import { problem, sendProblem, type ProblemBody } from '../problem.js';

// Fastify's and its plugins' error codes, as ours.
const FASTIFY_CODES: Record<string, [number, string, string?]> = {
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'ERR_MALFORMED_REQUEST', 'Expected a body of valid JSON, as its Content-Type says, but it does not parse'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'ERR_MALFORMED_REQUEST', 'Expected a body of JSON, as its Content-Type says, but it is empty'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'ERR_UNSUPPORTED_MEDIA_TYPE', 'Expected a body of a type this route takes (multipart/form-data or application/json, as /docs says) but got another'],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'ERR_BODY_TOO_LARGE', 'Expected a request body of at most 1 MB (audio goes in multipart, up to MIXCHAIN_MAX_UPLOAD_MB per file)'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'ERR_MALFORMED_REQUEST', 'Expected a body as long as its Content-Length'],
  FST_REQ_FILE_TOO_LARGE: [413, 'ERR_UPLOAD_TOO_LARGE'],
  FST_PARTS_LIMIT: [413, 'ERR_TOO_MANY_PARTS', 'Expected fewer parts in the multipart body'],
  FST_FILES_LIMIT: [413, 'ERR_TOO_MANY_PARTS', 'Expected fewer files in the multipart body'],
  FST_FIELDS_LIMIT: [413, 'ERR_TOO_MANY_PARTS', 'Expected fewer fields in the multipart body'],
  FST_PROTO_VIOLATION: [400, 'ERR_MULTIPART', 'Expected multipart field names that are not JavaScript prototype properties (__proto__, constructor, …)'],
  FST_INVALID_JSON_FIELD_ERROR: [400, 'ERR_MULTIPART', 'Expected valid JSON in a multipart field declared application/json'],
  FST_MP_PREMATURE_CLOSE: [400, 'ERR_MULTIPART', 'Expected a complete multipart body but the connection closed before its end'],
  // Node's "aborted": the client closed the connection mid-body. Its fault, not the server's.
  ECONNRESET: [400, 'ERR_MALFORMED_REQUEST', 'Expected the whole request body but the connection closed before its end'],
  FST_INVALID_MULTIPART_CONTENT_TYPE: [415, 'ERR_UNSUPPORTED_MEDIA_TYPE', 'Expected a multipart/form-data body'],
  FST_ERR_VALIDATION: [400, 'ERR_VALIDATION'],
  FST_UNDER_PRESSURE: [503, 'ERR_OVERLOADED', 'The server is under too much load; retry later'],
};

export function problemFor(error: FastifyError | MixchainError | Error): ProblemBody {
  if (error instanceof MixchainError) {
    const errors = (error.details?.errors as FieldError[] | undefined) ?? undefined;
    const status = statusOf(error.code);
    return problem(status, error.code, status >= 500 && status !== 503 && status !== 504 ? 'The server failed to complete this request' : error.message, errors);
  }
  const fastify = error as FastifyError;
  if (fastify.validation) {
    const errors = fieldErrors(fastify.validation as never, fastify.validationContext === 'body' ? '' : `${fastify.validationContext}:`);
    return problem(400, 'ERR_VALIDATION', `Expected a valid ${fastify.validationContext ?? 'request'}: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, errors);
  }
  const known = fastify.code ? FASTIFY_CODES[fastify.code] : undefined;
  if (known) return problem(known[0], known[1], known[2] ?? fastify.message);
  // Busboy's own parse errors ("Unexpected end of form", "Malformed part header").
  if (/unexpected end of form|malformed|multipart/i.test(fastify.message) && !fastify.statusCode) return problem(400, 'ERR_MULTIPART', `Expected a complete multipart body: ${fastify.message}`);
  const status = fastify.statusCode ?? 500;
  if (status >= 400 && status < 500) return problem(status, fastify.code?.startsWith('ERR_') ? fastify.code : 'ERR_BAD_REQUEST', fastify.message);
  return problem(500, 'ERR_INTERNAL', 'The server failed to complete this request');
}

export default fp(async function errors(app: FastifyInstance) {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const body = problemFor(error);
    if (body.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: body.code, detail: body.detail }, 'request refused');
    if (reply.sent || reply.raw.headersSent) return;
    // Every 503 says when to come back, whoever raised it.
    if (body.status === 503 && !reply.hasHeader('Retry-After')) reply.header('Retry-After', '5');
    // Refused before its body was read to the end (a multipart part over a limit, a wrong field):
    // nothing reads the rest any more, so drop it as it comes, or the client, still sending, would
    // stall and never read the answer.
    if (!request.raw.readableEnded) request.raw.unpipe().resume();
    return sendProblem(reply, body);
  });
  app.setNotFoundHandler((request, reply) => sendProblem(reply, problem(404, 'ERR_NOT_FOUND', `There is no route ${request.method} ${request.url.split('?')[0]!.slice(0, 200)}`)));
});
