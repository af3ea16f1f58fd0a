// Prometheus metrics at /metrics: HTTP durations by route, renders by kind and outcome, render
// seconds, upload bytes, and on each scrape the queue by status and the pool's workers, queue
// and crashes. A registry per app, so several apps in one process (tests) do not collide.
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, exponentialBuckets } from 'prom-client';

export interface ServiceMetrics {
  renders: Counter<'kind' | 'outcome'>;
  renderSeconds: Histogram<'kind'>;
  uploadBytes: Counter;
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: ServiceMetrics;
  }
}

export default fp(async function metrics(app: FastifyInstance) {
  const register = new Registry();
  collectDefaultMetrics({ register });
  const http = new Histogram({ name: 'http_request_duration_seconds', help: 'HTTP requests by route', labelNames: ['method', 'route', 'status_code'], registers: [register] });
  const services = () => app.services;
  new Gauge({
    name: 'mixchain_jobs',
    help: 'Jobs by status',
    labelNames: ['status'],
    registers: [register],
    async collect() {
      for (const [status, count] of Object.entries(await services().queue.counts())) this.set({ status }, count);
    },
  });
  new Gauge({
    name: 'mixchain_pool_workers',
    help: 'Render workers by state',
    labelNames: ['state'],
    registers: [register],
    collect() {
      const workers = services().pool?.stats().workers ?? [];
      this.set({ state: 'ready' }, workers.filter((w) => w.ready).length);
      this.set({ state: 'busy' }, workers.filter((w) => w.running > 0).length);
    },
  });
  new Gauge({
    name: 'mixchain_pool_queued',
    help: 'Renders waiting for a worker',
    registers: [register],
    collect() {
      this.set(services().pool?.stats().queued ?? 0);
    },
  });
  let countedCrashes = 0;
  new Counter({
    name: 'mixchain_worker_crashes_total',
    help: 'Render workers that crashed (a plugin took its process down)',
    registers: [register],
    collect() {
      const crashes = services().pool?.stats().crashes ?? 0;
      this.inc(crashes - countedCrashes);
      countedCrashes = crashes;
    },
  });
  const renders = new Counter({ name: 'mixchain_renders_total', help: 'Renders by kind (sync, job) and outcome', labelNames: ['kind', 'outcome'], registers: [register] });
  // Jobs end in the runner, which knows nothing of metrics: their final events are counted here,
  // for jobs seen starting. A queued job cancelled never rendered, and a synchronous mix kept as a
  // completed job was counted as sync.
  const started = new Set<string>();
  const unsubscribe = services().queue.subscribe((event) => {
    if (event.type === 'progress') {
      if (event.stage === 'starting') started.add(event.jobId);
    } else if (started.delete(event.jobId)) renders.inc({ kind: 'job', outcome: event.type });
  });
  app.addHook('onClose', async () => unsubscribe());
  app.decorate('metrics', {
    renders,
    renderSeconds: new Histogram({ name: 'mixchain_render_seconds', help: 'Render time', labelNames: ['kind'], buckets: exponentialBuckets(0.05, 2, 12), registers: [register] }),
    uploadBytes: new Counter({ name: 'mixchain_upload_bytes_total', help: 'Bytes of audio received', registers: [register] }),
  });

  app.addHook('onResponse', async (request, reply) => {
    http.observe({ method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: reply.statusCode }, reply.elapsedTime / 1000);
  });
  app.get('/metrics', { schema: { tags: ['operations'], summary: 'Prometheus metrics' } }, async (_request, reply) => reply.type(register.contentType).send(await register.metrics()));
});
