// `mixchain worker`: a render node of distributed mode. It takes jobs from the shared queue on
// Redis whenever one of its render workers is free, reads uploads from the bucket (through its
// own cache) and writes results back, with the same warm, process-isolated pool as `serve`. No
// API: it answers /livez, /readyz and /metrics on PORT (default 8081) for the orchestrator. On
// SIGTERM it stops taking jobs, gives running renders MIXCHAIN_SHUTDOWN_GRACE_S, and puts back
// what is left; a node killed outright loses its jobs to the others once their locks lapse.
import closeWithGrace from 'close-with-grace';
import Fastify, { type FastifyInstance } from 'fastify';
import { MixchainError } from '../errors.js';
import type { JobQueue } from '../jobs/queue.js';
import type { JobRunner } from '../jobs/runner.js';
import type { RenderPool } from '../pool/pool.js';
import type { Storage } from '../storage/storage.js';
import type { AppOptions } from './app.js';
import { resolveConfig, type ServerConfig } from './config.js';
import errors from './plugins/errors.js';
import metrics from './plugins/metrics.js';
import { OpenedParts } from './opened-parts.js';
import { checkReady } from './readiness.js';
import { openQueue, openRecords, type Records } from './records.js';
import { openRendering, openStorage } from './rendering.js';

export const WORKER_PORT = 8081;

export interface RenderNode {
  config: ServerConfig;
  records: Records;
  storage: Storage;
  queue: JobQueue;
  pool: RenderPool;
  runner: JobRunner;
  draining: boolean;
  close(): Promise<void>;
}

declare module 'fastify' {
  interface FastifyInstance {
    renderNode: RenderNode;
  }
}

/** The render node as a Fastify app (not listening): its services opened and its runner started. */
export async function buildWorker(options: AppOptions = {}): Promise<FastifyInstance> {
  const { logger, env = process.env, ...overrides } = options;
  const config = resolveConfig({ ...overrides, port: overrides.port ?? (env.PORT ? undefined : WORKER_PORT) }, env);
  if (!config.redisUrl) throw new MixchainError('ERR_CONFIG', 'Expected REDIS_URL for mixchain worker (a render node takes jobs from the shared queue) but it is not set; one machine alone runs mixchain serve');
  if (config.workers === 0) throw new MixchainError('ERR_CONFIG', 'Expected at least 1 render worker (MIXCHAIN_WORKERS, --workers) for mixchain worker but got 0');
  const app = Fastify({ logger: logger ?? { level: config.logLevel }, forceCloseConnections: true });
  const log = app.log.child({ component: 'worker' });
  const write = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => log[level](fields ?? {}, message);

  // A part that fails to open closes those opened before it.
  const parts = new OpenedParts();
  return parts.start(async () => {
    const records = await parts.add(openRecords(config), (opened) => opened.close());
    const queue = await parts.add(openQueue(config, records, true), (opened) => opened.close());
    const storage = await parts.add(openStorage(config, records.db, write), (opened) => opened.close());
    const { pool, runner } = await parts.add(openRendering(config, queue, records.uploads, storage, write)!, (opened) => opened.pool.close());
    let closing: Promise<void> | null = null;
    const node: RenderNode = {
      config,
      records,
      storage,
      queue,
      pool,
      runner,
      draining: false,
      close() {
        node.draining = true;
        closing ??= (async () => {
          await runner.stop(config.shutdownGraceSeconds * 1000);
          await pool.close();
          await storage.close();
          await queue.close();
          await records.close();
        })();
        return closing;
      },
    };
    app.decorate('renderNode', node);
    app.addHook('preClose', async () => void node.close());
    app.addHook('onClose', async () => node.close());

    await app.register(errors);
    await app.register(metrics, { source: { queue, pool, storage, deliveries: null } });
    app.get('/livez', async () => ({ status: 'ok' as const }));
    app.get('/readyz', async () => {
      checkReady({ draining: node.draining, db: records.db, redis: records.redis, pool });
      return { status: 'ready' as const };
    });
    await runner.start();
    return app;
  });
}

/** Builds the render node, listens, and shuts down gracefully on SIGTERM/SIGINT. */
export async function startWorker(options: AppOptions = {}): Promise<{ app: FastifyInstance; url: string }> {
  const app = await buildWorker(options);
  const { config } = app.renderNode;
  const url = await app.listen({ port: config.port, host: config.host });
  closeWithGrace({ delay: (config.shutdownGraceSeconds + 10) * 1000, logger: false }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an uncaught error');
    else app.log.info({ signal }, 'shutting down: finishing running renders');
    await app.close();
  });
  return { app, url };
}
