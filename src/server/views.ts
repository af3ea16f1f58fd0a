// Records as the API shows them: download links made for the caller (a presigned bucket URL, or
// the service's own signed /files link), fields without a value as null.
import type { FastifyRequest } from 'fastify';
import type { JobRecord } from '../jobs/queue.js';
import type { UploadRecord } from '../storage/uploads.js';
import type { Services } from './services.js';

/** A link to a stored file that works without the API key for PRESIGNED_URL_TTL_SECONDS. */
export async function downloadUrl(request: FastifyRequest, services: Services, key: string, filename: string): Promise<string> {
  const ttl = services.config.presignedUrlTtlSeconds;
  const presigned = await services.storage.presignedUrl(key, ttl, filename);
  if (presigned) return presigned;
  const token = services.links.sign({ key, filename, expires: Math.floor(Date.now() / 1000) + ttl });
  return `${request.protocol}://${request.host}/files/${token}`;
}

export async function uploadView(request: FastifyRequest, services: Services, upload: UploadRecord) {
  const { keyId: _owner, ...fields } = upload;
  return { ...fields, url: await downloadUrl(request, services, upload.key, upload.filename ?? upload.key.split('/')[1]!) };
}

export async function jobView(request: FastifyRequest, services: Services, job: JobRecord) {
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
    result: job.result ? { url: await downloadUrl(request, services, job.result.key, `mix-${job.id}.${job.result.format}`), size: job.result.size, format: job.result.format } : null,
    error: job.error,
    deliveries: [],
  };
}
