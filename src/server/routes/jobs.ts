// Jobs: mixes of uploads rendered in the background. Submitted (idempotently, with an
// Idempotency-Key), read, listed, cancelled, deleted, and their result served with ranges or
// in another format on request. Another key's job is 404 everywhere.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { Type } from 'typebox';
import { MixchainError } from '../../errors.js';
import { forwardNotConfigured } from '../../delivery/dispatcher.js';
import { checkTarget } from '../../delivery/targets.js';
import { deleteJobFiles } from '../../jobs/cleanup.js';
import type { JobRecord } from '../../jobs/queue.js';
import { keyIdOf } from '../plugins/auth.js';
import { jobNotFound } from '../not-found.js';
import { uploadNotFound } from '../../storage/uploads.js';
import { convertResult } from '../convert-result.js';
import { strictBody } from '../strict-body.js';
import { mixRequest, splitBody } from '../mix-request.js';
import { IdParams, errorResponses, fileResponses } from '../schemas/common.js';
import { JobList, JobListQuery, JobSubmission } from '../schemas/jobs.js';
import { OUTPUT_FORMATS } from '../schemas/mix-options.js';
import { contentTypeOf } from '../../storage/content-types.js';
import { sendFile } from '../send-file.js';
import { jobView, originOf } from '../views.js';

const tags = ['jobs'];
const security = [{ apiKey: [] }];
const JobRef = Type.Ref('Job');
const MAX_IDEMPOTENCY_KEY = 255;

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const { services } = app;
  const { queue } = services;

  async function ownJob(request: FastifyRequest, id: string): Promise<JobRecord> {
    const job = await queue.get(keyIdOf(request), id);
    if (!job) throw jobNotFound(id);
    return job;
  }

  app.post(
    '/jobs',
    {
      schema: {
        tags,
        security,
        summary: 'Queue a mix of uploads; follow it with GET /jobs/:id or its events',
        headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: MAX_IDEMPOTENCY_KEY })) }),
        body: JobSubmission,
        response: { 202: JobRef, ...errorResponses(400, 401, 404, 409, 422, 429) },
      },
      preValidation: strictBody(JobSubmission, 'a valid body'),
    },
    async (request, reply) => {
      const keyId = keyIdOf(request);
      const { inputs, options } = splitBody(request.body, ['vocal', 'beat', 'extras', 'webhookUrl', 'forward']);
      // Stored as the render will take them (Opus given its 48 kHz), not only checked.
      const mix = mixRequest(options);
      const ids = [inputs.vocal!, ...(inputs.beat ? [inputs.beat] : []), ...(inputs.extras ?? [])];
      for (const id of ids) {
        if (!(await services.uploads.get(keyId, id))) throw uploadNotFound(id);
      }
      // Refused now rather than failing later, where the caller would not see why.
      if (inputs.webhookUrl) await checkTarget(inputs.webhookUrl, services.config.allowPrivateTargets);
      if (inputs.forward && !services.config.forward) throw forwardNotConfigured();
      const idempotencyKey = request.headers['idempotency-key'];
      const { job, created } = await queue.submit(
        keyId,
        { vocal: inputs.vocal!, beat: inputs.beat ?? null, extras: inputs.extras ?? [], options: { ...mix }, webhookUrl: inputs.webhookUrl ?? null, forward: inputs.forward ?? false },
        idempotencyKey ? { idempotencyKey, fingerprint: createHash('sha256').update(JSON.stringify(request.body)).digest('hex') } : {},
      );
      if (!created) reply.header('Idempotent-Replayed', 'true');
      return reply.code(202).header('Location', `/api/v1/jobs/${job.id}`).send(await jobView(originOf(request), services, job));
    },
  );

  app.get('/jobs', { schema: { tags, security, summary: "The caller's jobs, newest first", querystring: JobListQuery, response: { 200: JobList, ...errorResponses(400, 401) } } }, async (request) => {
    const { status, limit, cursor } = request.query;
    const page = await queue.list(keyIdOf(request), { limit: limit ?? 20, ...(status ? { status } : {}), ...(cursor ? { cursor } : {}) });
    return { items: await Promise.all(page.items.map((job) => jobView(originOf(request), services, job))), nextCursor: page.nextCursor };
  });

  app.get('/jobs/:id', { schema: { tags, security, summary: 'A job: status, progress, stage, report, result', params: IdParams, response: { 200: JobRef, ...errorResponses(401, 404) } } }, async (request) =>
    jobView(originOf(request), services, await ownJob(request, request.params.id)),
  );

  app.post(
    '/jobs/:id/cancel',
    { schema: { tags, security, summary: 'Cancel: at once while queued; at the next block while processing', params: IdParams, response: { 200: JobRef, ...errorResponses(401, 404, 409) } } },
    async (request) => {
      const job = await queue.cancel(keyIdOf(request), request.params.id);
      if (!job) throw jobNotFound(request.params.id);
      return jobView(originOf(request), services, job);
    },
  );

  app.delete('/jobs/:id', { schema: { tags, security, summary: 'Delete a finished or queued job and its result', params: IdParams, response: { 204: Type.Null(), ...errorResponses(401, 404, 409) } } }, async (request, reply) => {
    const job = await ownJob(request, request.params.id);
    if (job.status === 'processing') throw new MixchainError('ERR_JOB_NOT_FINISHED', `Expected a job that is not rendering but job ${job.id} is processing: cancel it first`);
    await queue.remove(keyIdOf(request), job.id);
    await services.deliveries.removeForJob(job.id);
    await deleteJobFiles(services.storage, job.id);
    return reply.code(204).send(null);
  });

  app.get(
    '/jobs/:id/result',
    {
      schema: {
        tags,
        security,
        summary: "The job's mix (byte ranges supported); ?format= another format, made once and kept; ?redirect=false sends a bucket's file from here instead of a 302 to it",
        params: IdParams,
        querystring: Type.Object(
          {
            format: Type.Optional(Type.Union(OUTPUT_FORMATS.map((f) => Type.Literal(f)))),
            // A page that reads the bytes itself (the web page's player) needs them from its own
            // origin: a bucket's presigned URL is another origin, which it may not read.
            redirect: Type.Optional(Type.Boolean({ default: true })),
          },
          { additionalProperties: false },
        ),
        response: { ...fileResponses, 302: Type.Null({ description: 'On a bucket: the presigned download URL in Location' }), ...errorResponses(401, 404, 409, 416) },
      },
    },
    async (request, reply) => {
      const job = await ownJob(request, request.params.id);
      if (job.status !== 'completed' || !job.result) throw new MixchainError('ERR_JOB_NOT_FINISHED', `Expected a completed job but job ${job.id} is ${job.status}`);
      const format = request.query.format ?? job.result.format;
      const stored = format === job.result.format ? job.result : await convertResult(services.storage, job.result, format);
      // On a bucket, the download goes there (the file is sent from here only while its upload waits).
      const presigned = request.query.redirect === false ? null : await services.storage.presignedUrl(stored.key, services.config.presignedUrlTtlSeconds, `mix-${job.id}.${format}`);
      if (presigned) return reply.code(302).header('Location', presigned).header('Cache-Control', 'no-store').send();
      const path = await services.storage.localPath(stored.key);
      if (!path) throw new MixchainError('ERR_JOB_NOT_FOUND', `Expected the result of job ${job.id} in storage but it is gone`);
      return sendFile(request, reply, path, stored.size, contentTypeOf(format), `mix-${job.id}.${format}`);
    },
  );
};

export default routes;
