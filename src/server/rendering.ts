// What an API node with workers and a render node (`mixchain worker`) share: user-file storage
// (local disk, or the bucket behind this node's cache) and the render pool with the job runner on
// it, which takes jobs from the queue whenever a worker is free.
import { mixJobHandler } from '../jobs/mix-job.js';
import type { Log } from '../log.js';
import type { JobQueue } from '../jobs/queue.js';
import { JobRunner } from '../jobs/runner.js';
import type { PluginOutput } from '../pool/options.js';
import { RenderPool } from '../pool/pool.js';
import { BucketStorage } from '../storage/bucket-storage.js';
import type { Db } from '../storage/database.js';
import { LocalStorage } from '../storage/local-storage.js';
import type { Storage } from '../storage/storage.js';
import type { UploadStore } from '../storage/uploads.js';
import type { ServerConfig } from './config.js';

/** The configured storage, started (a bucket's uploader resumes its queue). */
export async function openStorage(config: ServerConfig, db: Db, log: Log): Promise<Storage> {
  if (config.storageWarning) log('warn', config.storageWarning);
  if (!config.bucket) return new LocalStorage(config.dataDir);
  const storage = new BucketStorage(config.bucket, db, log);
  await storage.start();
  return storage;
}

/** The render pool (process isolation) and the runner on it; null with 0 workers. The runner is not started. */
export function openRendering(config: ServerConfig, queue: JobQueue, uploads: UploadStore, storage: Storage, log: Log): { pool: RenderPool; runner: JobRunner } | null {
  if (config.workers === 0) return null;
  const pool = new RenderPool({
    workers: config.workers,
    isolation: 'process',
    // Jobs take at most one worker each; synchronous mixes may wait beyond that.
    maxQueue: config.syncQueue + config.workers,
    renderTimeoutMs: config.renderTimeoutSeconds * 1000,
    warm: config.warm,
    onPluginOutput: (output: PluginOutput) => log('info', output.text, { plugin: output.plugin, phase: output.phase, render: output.render, worker: output.worker, stream: output.stream }),
  });
  return { pool, runner: new JobRunner(queue, mixJobHandler({ pool, uploads, storage }), config.workers, log) };
}
