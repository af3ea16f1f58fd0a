// Everything the HTTP layer stands on, opened in order and closed in reverse: the database and
// its stores, file storage and signed links, the render pool and the job runner on it.
import { cpus } from 'node:os';
import { cleanUp } from '../jobs/cleanup.js';
import { mixJobHandler } from '../jobs/mix-job.js';
import type { JobQueue } from '../jobs/queue.js';
import { JobRunner } from '../jobs/runner.js';
import { SqliteJobQueue } from '../jobs/sqlite-queue.js';
import { RenderPool } from '../pool/pool.js';
import type { PluginOutput } from '../pool/options.js';
import { openDatabase, type Db } from '../storage/database.js';
import { FileLinks } from '../storage/file-links.js';
import { KeyStore } from '../storage/keys.js';
import { LocalStorage } from '../storage/local-storage.js';
import type { Storage } from '../storage/storage.js';
import { UploadStore } from '../storage/uploads.js';
import type { ServerConfig } from './config.js';

export type Log = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

export interface Services {
  config: ServerConfig;
  db: Db;
  keys: KeyStore;
  uploads: UploadStore;
  storage: Storage;
  links: FileLinks;
  queue: JobQueue;
  /** Null with 0 workers (an API-only node). */
  pool: RenderPool | null;
  runner: JobRunner | null;
  startedAt: number;
  /** Set when shutdown begins: readiness fails, no new work is taken. */
  draining: boolean;
  close(): Promise<void>;
}

const HOUR_MS = 3_600_000;

export async function openServices(config: ServerConfig, log: Log): Promise<Services> {
  const db = openDatabase(config.dataDir);
  const keys = new KeyStore(db);
  const uploads = new UploadStore(db);
  const storage = new LocalStorage(config.dataDir);
  const queue = new SqliteJobQueue(db);
  const pool =
    config.workers > 0
      ? new RenderPool({
          workers: config.workers,
          isolation: 'process',
          // Jobs take at most one worker each; synchronous mixes may wait beyond that.
          maxQueue: config.syncQueue + config.workers,
          renderTimeoutMs: config.renderTimeoutSeconds * 1000,
          warm: config.warm,
          onPluginOutput: (output: PluginOutput) => log('info', output.text, { plugin: output.plugin, phase: output.phase, render: output.render, worker: output.worker, stream: output.stream }),
        })
      : null;
  const runner = pool ? new JobRunner(queue, mixJobHandler({ pool, uploads, storage }), config.workers, log) : null;
  const retention = { jobDays: config.jobRetentionDays, uploadDays: config.uploadRetentionDays };
  const clean = () =>
    cleanUp(queue, uploads, storage, retention).then(
      (removed) => (removed.jobs || removed.uploads) && log('info', 'retention cleanup', removed),
      (error: unknown) => log('error', 'retention cleanup failed', { err: error }),
    );
  await clean();
  const hourly = setInterval(() => void clean(), HOUR_MS);
  hourly.unref();
  await runner?.start();
  if (!pool) log('warn', `no render workers (MIXCHAIN_WORKERS=0 on ${cpus().length} cores): jobs stay queued and synchronous mixes are refused`);

  const services: Services = {
    config,
    db,
    keys,
    uploads,
    storage,
    links: FileLinks.inDataDir(config.dataDir),
    queue,
    pool,
    runner,
    startedAt: Date.now(),
    draining: false,
    async close() {
      services.draining = true;
      clearInterval(hourly);
      await runner?.stop(config.shutdownGraceSeconds * 1000);
      await pool?.close();
      await queue.close();
      db.close();
    },
  };
  return services;
}
