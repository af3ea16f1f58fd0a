// Requests per minute per API key (registered after auth, so it counts keys, not addresses).
// Over the limit: 429 with Retry-After, as problem+json.
import rateLimit from '@fastify/rate-limit';
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { MixchainError } from '../../errors.js';

export const limitPerKey = fp(async function limit(app: FastifyInstance) {
  const max = app.services.config.rateLimit;
  if (max === 0) return;
  await app.register(rateLimit, {
    global: true,
    max,
    timeWindow: 60_000,
    hook: 'preHandler',
    keyGenerator: (request) => request.apiKey?.id ?? request.ip,
    errorResponseBuilder: (_request, context) => {
      const error = new MixchainError('ERR_RATE_LIMITED', `Expected at most ${context.max} requests per minute for this API key; retry in ${Math.ceil(context.ttl / 1000)} s`);
      return Object.assign(error, { statusCode: 429 });
    },
  });
});
