// Shapes every route shares: the problem+json error body and id parameters.
import { Type } from 'typebox';

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String({ description: 'The stable ERR_* code' }),
    errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details' },
);

export const problemRef = Type.Ref('Problem');

const problemResponse = { description: 'RFC 9457 problem details', content: { 'application/problem+json': { schema: problemRef } } };

/** The error answers a route documents, e.g. errorResponses(401, 404): Problem, as problem+json. */
export function errorResponses(...statuses: number[]): Record<number, typeof problemResponse> {
  return Object.fromEntries(statuses.map((status) => [status, problemResponse]));
}

/** A stored file as the answer (documentation: the body streams from disk), whole or a byte range. */
export const audioContent = { 'audio/*': { schema: { type: 'string', format: 'binary' } } };
export const fileResponses = {
  200: { description: 'The file', content: audioContent },
  206: { description: 'The byte range asked for (Range: bytes=start-end)', content: audioContent },
};

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
