// Prometheus metrics at /metrics: HTTP durations by route, renders by kind and outcome, render
// seconds, upload bytes, and on each scrape the queue by status, the pool's workers, queue and
// crashes, the storage's cache and upload queue, and deliveries by status. A registry per app, so several apps in one process (tests) do not collide.
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, exponentialBuckets } from 'prom-client';
import type { DeliveryStore } from '../../delivery/delivery-store.js';
import type { JobQueue } from '../../jobs/queue.js';
import type { RenderPool } from '../../pool/pool.js';
import type { Storage } from '../../storage/storage.js';

/** What the metrics are read from: an API node's services, or a render node (no deliveries). */
export interface MetricsSource {
  queue: JobQueue;
  pool: RenderPool | null;
  storage: Storage;
  deliveries: DeliveryStore | null;
}

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

export default fp(async function metrics(app: FastifyInstance, options: { source: MetricsSource }) {
  const register = new Registry();
  collectDefaultMetrics({ register });
  const http = new Histogram({ name: 'http_request_duration_seconds', help: 'HTTP requests by route', labelNames: ['method', 'route', 'status_code'], registers: [register] });
  const services = () => options.source;
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
  // Storage: what the old system's alerts watched (upload queue, failures) and the cache.
  const storage = () => services().storage.stats();
  const gauge = (name: string, help: string, value: () => number) =>
    new Gauge({
      name,
      help,
      registers: [register],
      collect() {
        this.set(value());
      },
    });
  gauge('mixchain_storage_cache_bytes', 'Bytes in the local cache of the bucket (local disk: stored files)', () => storage().cacheBytes);
  gauge('mixchain_storage_cache_files', 'Files in the local cache', () => storage().cacheFiles);
  // Totals kept by the pool and the storage, read at each scrape.
  const total = (name: string, help: string, value: () => number) => {
    let counted = 0;
    new Counter({
      name,
      help,
      registers: [register],
      collect() {
        const now = value();
        this.inc(Math.max(0, now - counted));
        counted = now;
      },
    });
  };
  total('mixchain_worker_crashes_total', 'Render workers that crashed (a plugin took its process down)', () => services().pool?.stats().crashes ?? 0);
  total('mixchain_storage_cache_hits_total', 'Reads served from the local cache', () => storage().cacheHits);
  total('mixchain_storage_cache_misses_total', 'Reads that downloaded from the bucket', () => storage().cacheMisses);
  total('mixchain_storage_failed_upload_attempts_total', 'Upload attempts to the bucket that failed', () => storage().failedAttempts);
  gauge('mixchain_storage_pending_uploads', 'Files waiting for their upload to the bucket', () => storage().pendingUploads);
  gauge('mixchain_storage_failed_uploads', 'Pending uploads whose last attempt failed', () => storage().failedUploads);
  total('mixchain_storage_uploaded_bytes_total', 'Bytes uploaded to the bucket', () => storage().uploadedBytes);
  gauge('mixchain_storage_bucket_reachable', '1 when the last call to the bucket succeeded, 0 when it failed, -1 with no bucket', () => {
    const reachable = storage().bucketReachable;
    return reachable === null ? -1 : Number(reachable);
  });
  const { deliveries } = options.source;
  if (deliveries) {
    new Gauge({
      name: 'mixchain_deliveries',
      help: 'Webhook and forward deliveries by status',
      labelNames: ['kind', 'status'],
      registers: [register],
      async collect() {
        for (const kind of ['webhook', 'forward'] as const) {
          for (const [status, count] of Object.entries(await deliveries.counts(kind))) this.set({ kind, status }, count);
        }
      },
    });
  }
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
