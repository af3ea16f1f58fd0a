// Everything the HTTP layer stands on, opened in order and closed in reverse: the database and
// its stores, file storage (local disk, or a bucket behind a cache) and signed links, the render
// pool and the job runner on it, and the deliveries (webhooks, forwards) that follow jobs.
import { cpus } from 'node:os';
import { DeliveryDispatcher } from '../delivery/dispatcher.js';
import { DeliveryStore } from '../delivery/delivery-store.js';
import { KeyWebhooks } from '../delivery/key-webhooks.js';
import { cleanUp } from '../jobs/cleanup.js';
import { mixJobHandler } from '../jobs/mix-job.js';
import type { JobQueue, JobRecord } from '../jobs/queue.js';
import { JobRunner } from '../jobs/runner.js';
import { SqliteJobQueue } from '../jobs/sqlite-queue.js';
import { RenderPool } from '../pool/pool.js';
import type { PluginOutput } from '../pool/options.js';
import { openDatabase, type Db } from '../storage/database.js';
import { FileLinks } from '../storage/file-links.js';
import { KeyStore } from '../storage/keys.js';
import { BucketStorage } from '../storage/bucket-storage.js';
import { LocalStorage } from '../storage/local-storage.js';
import type { Storage } from '../storage/storage.js';
import { UploadStore } from '../storage/uploads.js';
import type { ServerConfig } from './config.js';
import { JobDeliveries } from './job-deliveries.js';
import { contentTypeOf } from '../storage/content-types.js';
import { jobView } from './views.js';

export type Log = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

export interface Services {
  config: ServerConfig;
  db: Db;
  keys: KeyStore;
  uploads: UploadStore;
  storage: Storage;
  links: FileLinks;
  queue: JobQueue;
  deliveries: DeliveryStore;
  dispatcher: DeliveryDispatcher;
  webhooks: KeyWebhooks;
  /** Hands finished jobs to the dispatcher. */
  jobDeliveries: JobDeliveries;
  /** Links in what leaves without a request (webhooks): MIXCHAIN_PUBLIC_URL, else where the service listens. */
  origin: string;
  /** Null with 0 workers (an API-only node). */
  pool: RenderPool | null;
  runner: JobRunner | null;
  startedAt: number;
  /** Set when shutdown begins: readiness fails, no new work is taken. */
  draining: boolean;
  close(): Promise<void>;
}

const HOUR_MS = 3_600_000;

/** What a forward tells the processing server besides the file (never the API key, only its id). */
function forwardMetadata(job: JobRecord): Record<string, string> {
  return {
    job_id: job.id,
    key_id: job.keyId,
    format: job.result?.format ?? '',
    size: String(job.result?.size ?? 0),
    created_at: job.createdAt,
    finished_at: job.finishedAt ?? '',
    options: JSON.stringify(job.input.options),
    report: JSON.stringify(job.report ?? null),
  };
}

export async function openServices(config: ServerConfig, log: Log): Promise<Services> {
  const db = openDatabase(config.dataDir);
  const keys = new KeyStore(db);
  const uploads = new UploadStore(db);
  const storage = config.bucket ? new BucketStorage(config.bucket, db, log) : new LocalStorage(config.dataDir);
  if (config.storageWarning) log('warn', config.storageWarning);
  if (storage instanceof BucketStorage) await storage.start();
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
    cleanUp(queue, uploads, storage, retention, new Date(), (jobId) => deliveries.removeForJob(jobId)).then(
      (removed) => (removed.jobs || removed.uploads) && log('info', 'retention cleanup', removed),
      (error: unknown) => log('error', 'retention cleanup failed', { err: error }),
    );
  const deliveries = new DeliveryStore(db);
  const webhooks = new KeyWebhooks(db);
  const dispatcher = new DeliveryDispatcher(
    deliveries,
    {
      webhookSecret: (keyId) => webhooks.secret(keyId),
      forward: config.forward ? { url: config.forward.url, apiKey: config.forward.apiKey } : null,
      forwardFile: async (keyId, jobId) => {
        const job = await queue.get(keyId, jobId);
        const path = job?.result ? await storage.localPath(job.result.key) : null;
        if (!job?.result || !path) return null;
        return { path, filename: `mix-${job.id}.${job.result.format}`, contentType: contentTypeOf(job.result.format), metadata: forwardMetadata(job) };
      },
    },
    {
      allowPrivate: config.allowPrivateTargets,
      webhookSchedule: config.webhookScheduleMs,
      forwardSchedule: config.forwardScheduleMs,
      webhookTimeoutMs: config.webhookTimeoutSeconds * 1000,
      forwardTimeoutMs: config.forwardTimeoutSeconds * 1000,
      concurrency: 4,
    },
    log,
  );
  await clean();
  const hourly = setInterval(() => void clean(), HOUR_MS);
  hourly.unref();
  if (!pool) log('warn', `no render workers (MIXCHAIN_WORKERS=0 on ${cpus().length} cores): jobs stay queued and synchronous mixes are refused`);

  const services: Services = {
    config,
    db,
    keys,
    uploads,
    storage,
    links: FileLinks.inDataDir(config.dataDir),
    queue,
    deliveries,
    dispatcher,
    webhooks,
    jobDeliveries: null as unknown as JobDeliveries,
    origin: config.publicUrl ?? `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`,
    pool,
    runner,
    startedAt: Date.now(),
    draining: false,
    async close() {
      services.draining = true;
      clearInterval(hourly);
      await runner?.stop(config.shutdownGraceSeconds * 1000);
      await pool?.close();
      // Jobs that ended during the grace are handed over before the dispatcher stops; what it
      // has not sent is sent by the next start.
      await jobDeliveries.idle();
      jobDeliveries.stop();
      await dispatcher.close();
      await storage.close();
      await queue.close();
      db.close();
    },
  };
  // Webhooks carry the job as the API shows it, links made against the service's public origin.
  const jobDeliveries = new JobDeliveries({ db, queue, dispatcher, webhooks, forward: config.forward, describe: (job) => jobView(services.origin, services, job), log });
  services.jobDeliveries = jobDeliveries;
  await jobDeliveries.start();
  await dispatcher.start();
  await runner?.start();
  return services;
}
