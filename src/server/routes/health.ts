// Liveness, readiness, health and statistics (no key): what orchestrators and the operator's
// dashboards poll.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { checkReady } from '../readiness.js';

const tags = ['operations'];

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const { services } = app;
  const uptime = () => Math.round((Date.now() - services.startedAt) / 1000);
  const storageStats = () => {
    const stats = services.storage.stats();
    const reads = stats.cacheHits + stats.cacheMisses;
    return { ...stats, cacheHitRate: reads ? stats.cacheHits / reads : null };
  };

  app.get('/livez', { schema: { tags, summary: 'The process answers', response: { 200: Type.Object({ status: Type.Literal('ok') }) } } }, async () => ({ status: 'ok' as const }));

  app.get(
    '/readyz',
    { schema: { tags, summary: 'Ready for traffic: database (and Redis) reachable, render pool started, not shutting down', response: { 200: Type.Object({ status: Type.Literal('ready') }) } } },
    async () => {
      checkReady(services);
      return { status: 'ready' as const };
    },
  );

  app.get(
    '/health',
    { schema: { tags, summary: 'Status, worker id and uptime', response: { 200: Type.Object({ status: Type.String(), worker_id: Type.String(), uptime: Type.Integer() }) } } },
    async () => ({ status: services.draining ? 'draining' : 'ok', worker_id: services.config.workerId, uptime: uptime() }),
  );

  app.get(
    '/stats',
    {
      schema: {
        tags,
        summary: 'Jobs processed and failed, the pool, the queue, storage (cache, upload queue) and deliveries',
        response: {
          200: Type.Object({
            worker_id: Type.String(),
            processed: Type.Integer(),
            failed: Type.Integer(),
            lastJobAt: Type.Union([Type.String(), Type.Null()]),
            uptime: Type.Integer(),
            pool: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()]),
            queue: Type.Object({}, { additionalProperties: true }),
            storage: Type.Object({}, { additionalProperties: true }),
            deliveries: Type.Object({ webhooks: Type.Object({}, { additionalProperties: true }), forwards: Type.Object({}, { additionalProperties: true }) }),
          }),
        },
      },
    },
    async () => {
      const runner = services.runner?.stats() ?? { processed: 0, failed: 0, lastJobAt: null };
      return {
        worker_id: services.config.workerId,
        processed: runner.processed,
        failed: runner.failed,
        lastJobAt: runner.lastJobAt,
        uptime: uptime(),
        pool: services.pool?.stats() ?? null,
        queue: await services.queue.counts(),
        storage: { ...services.storage.status(), ...storageStats(), uploads: await services.uploads.count() },
        deliveries: { webhooks: await services.deliveries.counts('webhook'), forwards: await services.deliveries.counts('forward') },
      };
    },
  );
};

export default routes;
