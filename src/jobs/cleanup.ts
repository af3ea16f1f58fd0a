// Retention: finished jobs with their results, and uploads, are deleted once they are older than
// their retention; run at start and every hour.
import type { Storage } from '../storage/storage.js';
import type { UploadStore } from '../storage/uploads.js';
import type { JobQueue } from './queue.js';

export const RESULT_FORMATS = ['wav', 'flac', 'mp3', 'ogg', 'opus'] as const;

/** Every file a job may have stored: its result and the other formats made of it on request. */
export async function deleteJobFiles(storage: Storage, jobId: string): Promise<void> {
  await Promise.all(RESULT_FORMATS.map((format) => storage.delete(`mixes/${jobId}.${format}`)));
}

export interface Retention {
  jobDays: number;
  uploadDays: number;
}

const DAY_MS = 86_400_000;

/** `forget` hears each expired job, for records kept beside it (its deliveries). */
export async function cleanUp(queue: JobQueue, uploads: UploadStore, storage: Storage, retention: Retention, now = new Date(), forget?: (jobId: string) => void | Promise<void>): Promise<{ jobs: number; uploads: number }> {
  const jobs = await queue.expire(new Date(now.getTime() - retention.jobDays * DAY_MS));
  for (const job of jobs) {
    await deleteJobFiles(storage, job.id);
    await forget?.(job.id);
  }
  // An upload's own expiry was set from the upload retention when it arrived.
  const expired = await uploads.expire(now);
  for (const upload of expired) await storage.delete(upload.key);
  return { jobs: jobs.length, uploads: expired.length };
}
