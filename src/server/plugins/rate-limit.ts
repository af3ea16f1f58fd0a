// Requests per minute per API key (registered after auth, so it counts keys, not addresses).
// Over the limit: 429 with Retry-After, as problem+json. In distributed mode the counters are in
// Redis, so a key's limit holds across API nodes; the limiter has a connection of its own that
// fails fast (a request is never held up by counting), and is skipped while Redis is away.
import rateLimit from '@fastify/rate-limit';
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { MixchainError } from '../../errors.js';
import { connectRedis } from '../../jobs/redis-connection.js';

export const limitPerKey = fp(async function limit(app: FastifyInstance) {
  const { rateLimit: max, redisUrl, redisPrefix } = app.services.config;
  if (max === 0) return;
  const redis = redisUrl ? await connectRedis(redisUrl, { connectTimeout: 500, maxRetriesPerRequest: 1 }) : null;
  if (redis) app.addHook('onClose', async () => void (await redis.quit().catch(() => redis.disconnect())));
  await app.register(rateLimit, {
    ...(redis ? { redis, nameSpace: `${redisPrefix}:ratelimit:`, skipOnError: true } : {}),
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
