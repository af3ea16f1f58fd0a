// Distributed mode: keys, uploads and jobs live in Redis, so while it is away the routes of the
// scope this is registered in answer 503 ERR_REDIS_UNAVAILABLE with Retry-After at once instead of
// waiting for it. A request already waiting on Redis when the connection drops gets the same
// answer after a short grace (a quick reconnection lets it finish): our connections hold their
// commands until Redis returns (as BullMQ needs), which would otherwise hold the client's request
// for as long as Redis is gone. Such a request's outcome is unknown (it may complete once Redis is
// back), which the message says: a retry with the same Idempotency-Key is safe.
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MixchainError } from '../../errors.js';

const RETRY_AFTER_S = 5;
export const REDIS_GRACE_MS = 2000;

export default fp(async function redisAway(app: FastifyInstance) {
  const { redis } = app.services;
  if (!redis) return;
  const inFlight = new Map<FastifyRequest, FastifyReply>();

  redis.on('close', () => {
    const waiting = [...inFlight];
    const timer = setTimeout(() => {
      for (const [request, reply] of waiting) {
        // Still unanswered (a stream that has begun is left to end on its own).
        if (!inFlight.has(request) || reply.sent || reply.raw.headersSent) continue;
        inFlight.delete(request);
        reply.header('Retry-After', String(RETRY_AFTER_S));
        reply.send(
          new MixchainError(
            'ERR_REDIS_UNAVAILABLE',
            `Expected the job store (Redis) to answer but its connection was lost while this request waited on it; the outcome is unknown: retry in ${RETRY_AFTER_S} s (with the same Idempotency-Key for a submission)`,
          ),
        );
        // The handler may still finish once Redis returns; its answer has no one to go to.
        reply.hijack();
      }
    }, REDIS_GRACE_MS);
    timer.unref();
  });

  app.addHook('onRequest', async (request, reply) => {
    if (redis.status !== 'ready') {
      reply.header('Retry-After', String(RETRY_AFTER_S));
      throw new MixchainError('ERR_REDIS_UNAVAILABLE', `Expected the job store (Redis) to answer but it is ${redis.status}; retry in ${RETRY_AFTER_S} s`);
    }
    inFlight.set(request, reply);
    // Answered, ended or abandoned by the client.
    reply.raw.once('close', () => inFlight.delete(request));
  });
});
