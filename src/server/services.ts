// Everything the HTTP layer stands on, opened in order and closed in reverse: the records (SQLite,
// or Redis in distributed mode), file storage (local disk, or a bucket behind a cache) and signed
// links, the job queue, the render pool and the job runner on it (unless this is an API-only
// node), and the deliveries (webhooks, forwards) that follow jobs.
import type { Redis } from 'ioredis';
import { cpus } from 'node:os';
import { DeliveryDispatcher } from '../delivery/dispatcher.js';
import type { DeliveryStore } from '../delivery/delivery-store.js';
import type { KeyWebhooks } from '../delivery/key-webhooks.js';
import { cleanUp } from '../jobs/cleanup.js';
import type { JobQueue, JobRecord } from '../jobs/queue.js';
import type { JobRunner } from '../jobs/runner.js';
import type { RenderPool } from '../pool/pool.js';
import type { Db } from '../storage/database.js';
import { FileLinks } from '../storage/file-links.js';
import type { KeyStore } from '../storage/keys.js';
import type { Storage } from '../storage/storage.js';
import type { UploadStore } from '../storage/uploads.js';
import type { ServerConfig } from './config.js';
import { JobDeliveries } from './job-deliveries.js';
import { contentTypeOf } from '../storage/content-types.js';
import { OpenedParts } from './opened-parts.js';
import { openQueue, openRecords } from './records.js';
import type { Log } from '../log.js';
import { openRendering, openStorage } from './rendering.js';
import { jobView } from './views.js';

export interface Services {
  config: ServerConfig;
  /** The node's own database (everything in embedded mode; the bucket cache's index in distributed mode). */
  db: Db;
  /** Distributed mode: the Redis every record is kept in; null in embedded mode. */
  redis: Redis | null;
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
  // A part that fails to open (or a start that fails) closes those opened before it.
  const parts = new OpenedParts();
  return parts.start(async () => {
    const records = await parts.add(openRecords(config), (opened) => opened.close());
    const { db, redis, keys, uploads, deliveries, webhooks, watermarks } = records;
    const storage = await parts.add(openStorage(config, db, log), (opened) => opened.close());
    const queue = await parts.add(openQueue(config, records, config.workers > 0), (opened) => opened.close());
    const rendering = await parts.add(openRendering(config, queue, uploads, storage, log), (opened) => opened?.pool.close());
    const pool = rendering?.pool ?? null;
    const runner = rendering?.runner ?? null;
    const retention = { jobDays: config.jobRetentionDays, uploadDays: config.uploadRetentionDays };
    const clean = () =>
      cleanUp(queue, uploads, storage, retention, new Date(), (jobId) => deliveries.removeForJob(jobId)).then(
        (removed) => (removed.jobs || removed.uploads) && log('info', 'retention cleanup', removed),
        (error: unknown) => log('error', 'retention cleanup failed', { err: error }),
      );
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
    const hourly = await parts.add(setInterval(() => void clean(), HOUR_MS).unref(), (timer) => clearInterval(timer));
    if (!pool) log('warn', `no render workers (MIXCHAIN_WORKERS=0 on ${cpus().length} cores): jobs stay queued and synchronous mixes are refused`);

    const services: Services = {
      config,
      db,
      redis,
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
        await records.close();
      },
    };
    // Webhooks carry the job as the API shows it, links made against the service's public origin.
    const jobDeliveries = new JobDeliveries({ watermarks, queue, dispatcher, webhooks, forward: config.forward, describe: (job) => jobView(services.origin, services, job), log });
    services.jobDeliveries = jobDeliveries;
    await parts.add(jobDeliveries.start(), () => jobDeliveries.stop());
    await parts.add(dispatcher.start(), () => dispatcher.close());
    await runner?.start();
    return services;
  });
}
