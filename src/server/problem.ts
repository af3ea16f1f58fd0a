// RFC 9457 problem details: the body of every error the service answers.
import type { FastifyReply } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { FieldError } from './field-errors.js';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: FieldError[];
}

export function problem(status: number, code: string, detail: string, errors?: FieldError[]): ProblemBody {
  return { type: `urn:mixchain:error:${code}`, title: STATUS_CODES[status] ?? 'Error', status, detail, code, ...(errors ? { errors } : {}) };
}

export function sendProblem(reply: FastifyReply, body: ProblemBody): FastifyReply {
  return reply.code(body.status).type('application/problem+json').send(body);
}
