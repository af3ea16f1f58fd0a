// Load shedding: while the event loop lags more than a second or once shutdown has begun, API
// requests get 503 with Retry-After at once instead of queueing behind it (Redis being away is
// redis-away.ts's). Health, readiness, stats and metrics still
// answer (an orchestrator must not restart a busy server, and operators need the numbers most
// then). The lag of start-up itself (compiling every route's schemas in one go) is not load.
import underPressure from '@fastify/under-pressure';
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { MixchainError } from '../../errors.js';

const RETRY_AFTER_S = 10;
const START_UP_MS = 3000;
const ALWAYS_ANSWERED = new Set(['/livez', '/readyz', '/health', '/stats', '/metrics']);

export default fp(async function loadShedding(app: FastifyInstance) {
  let readyAt = Infinity;
  app.addHook('onReady', async () => {
    readyAt = Date.now();
  });
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0]!;
    if (ALWAYS_ANSWERED.has(path)) return;
    if (app.services.draining) {
      reply.header('Retry-After', String(RETRY_AFTER_S));
      throw new MixchainError('ERR_SHUTTING_DOWN', 'The server is shutting down and takes no new requests; retry in a moment (on another instance, if there is one)');
    }
  });
  await app.register(underPressure, {
    maxEventLoopDelay: 1000,
    retryAfter: RETRY_AFTER_S,
    exposeStatusRoute: false,
    pressureHandler: async (request, reply, type, value) => {
      if (ALWAYS_ANSWERED.has(request.url.split('?')[0]!)) return;
      if (Date.now() - readyAt < START_UP_MS) return;
      reply.header('Retry-After', String(RETRY_AFTER_S));
      throw new MixchainError('ERR_OVERLOADED', `The server is overloaded (${type} at ${Math.round(Number(value))}); retry in ${RETRY_AFTER_S} s`);
    },
  });
});
