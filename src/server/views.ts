// Records as the API shows them: download links made for the caller (a presigned bucket URL, or
// the service's own signed /files link), fields without a value as null. Links are made against
// an origin: the request's, or the service's public URL for what leaves without a request
// (webhooks).
import type { FastifyRequest } from 'fastify';
import type { JobRecord } from '../jobs/queue.js';
import type { DeliveryRecord } from '../delivery/delivery-store.js';
import type { UploadRecord } from '../storage/uploads.js';
import type { Services } from './services.js';

/** `http://host:port` as the caller reached the service. */
export const originOf = (request: FastifyRequest) => `${request.protocol}://${request.host}`;

/** A link to a stored file that works without the API key for PRESIGNED_URL_TTL_SECONDS. */
export async function downloadUrl(origin: string, services: Services, key: string, filename: string): Promise<string> {
  const ttl = services.config.presignedUrlTtlSeconds;
  const presigned = await services.storage.presignedUrl(key, ttl, filename);
  if (presigned) return presigned;
  const token = services.links.sign({ key, filename, expires: Math.floor(Date.now() / 1000) + ttl });
  return `${origin}/files/${token}`;
}

export async function uploadView(origin: string, services: Services, upload: UploadRecord) {
  const { keyId: _owner, ...fields } = upload;
  return { ...fields, url: await downloadUrl(origin, services, upload.key, upload.filename ?? upload.key.split('/')[1]!) };
}

/** A delivery as a job lists it (a forward task adds its id, job, bytes and duration). */
export function deliveryView(delivery: DeliveryRecord) {
  return {
    kind: delivery.kind,
    target: delivery.target,
    status: delivery.status,
    attempts: delivery.attempts,
    lastStatusCode: delivery.lastStatusCode,
    lastError: delivery.lastError,
    updatedAt: delivery.updatedAt,
  };
}

export function forwardView(task: DeliveryRecord) {
  return { taskId: task.id, jobId: task.jobId, ...deliveryView(task), createdAt: task.createdAt, nextAttemptAt: task.nextAttemptAt, bytes: task.bytes, durationMs: task.durationMs };
}

export async function jobView(origin: string, services: Services, job: JobRecord) {
  const retentionMs = services.config.jobRetentionDays * 86_400_000;
  const { input } = job;
  return {
    id: job.id,
    status: job.status,
    progress: job.progress,
    stage: job.stage,
    attempts: job.attempts,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    expiresAt: job.finishedAt ? new Date(Date.parse(job.finishedAt) + retentionMs).toISOString() : null,
    options: { vocal: input.vocal, beat: input.beat, extras: input.extras, ...input.options, webhookUrl: input.webhookUrl, forward: input.forward },
    report: (job.report ?? null) as Record<string, unknown> | null,
    result: job.result ? { url: await downloadUrl(origin, services, job.result.key, `mix-${job.id}.${job.result.format}`), size: job.result.size, format: job.result.format } : null,
    error: job.error,
    deliveries: (await services.deliveries.forJob(job.keyId, job.id)).map(deliveryView),
  };
}
