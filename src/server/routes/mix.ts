// Synchronous mixes: the vocal and beat (multipart files, or upload ids in JSON) rendered on the
// pool while the client waits, the audio streamed back as the body, or kept as a completed job
// with `Accept: application/json`. Admission is decided before the body is read: past the
// workers plus MIXCHAIN_SYNC_QUEUE waiting, 503 at once. A client that goes away aborts its render.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { Type } from 'typebox';
import { DEFAULT_MAX_SECONDS } from '../../audio/audio-file.js';
import { MixchainError, withNames } from '../../errors.js';
import { renderMixToFile, type MixFiles, type MixRequest } from '../../jobs/mix-job.js';
import type { JobInput } from '../../jobs/queue.js';
import type { MixReport } from '../../mix/render-mix.js';
import { strictBody } from '../strict-body.js';
import { uploadedFile } from '../../storage/uploads.js';
import { keyIdOf } from '../plugins/auth.js';
import { mixRequest, splitBody } from '../mix-request.js';
import { receiveFile, sniffReceived, tooManyParts, type ReceivedFile } from '../receive-file.js';
import { audioContent, errorResponses } from '../schemas/common.js';
import { JobResultView, MixFromUploads } from '../schemas/jobs.js';
import { mixOptionsFromFields } from '../schemas/mix-options.js';
import { attachment, contentTypeOf } from '../../storage/content-types.js';
import { downloadUrl, originOf } from '../views.js';

const MAX_EXTRAS = 8;
const FILE_FIELDS = ['vocal', 'beat', 'extra'];

interface Gathered {
  files: MixFiles;
  request: MixRequest;
  input: JobInput;
  /** Scratch files to delete when the request ends. */
  scratch: ReceivedFile[];
  /** What to call each input's file in an error: never its path. */
  names: Map<string, string>;
}

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const { services } = app;
  const { config } = services;
  let admitted = 0;
  const capacity = config.workers + config.syncQueue;

  async function fromMultipart(request: FastifyRequest): Promise<Gathered> {
    const scratch: ReceivedFile[] = [];
    const fields: Record<string, string> = {};
    const named: Record<string, ReceivedFile[]> = { vocal: [], beat: [], extra: [] };
    try {
      const parts = request.parts({ limits: { fileSize: config.maxUploadMb * 1024 * 1024, files: 2 + MAX_EXTRAS, fields: 20, parts: 30, fieldSize: 1024 } });
      for await (const part of parts) {
        if (part.type === 'field') {
          if (part.fieldname in fields) throw new MixchainError('ERR_VALIDATION', `Expected field '${part.fieldname.slice(0, 64)}' once but it came twice`, { details: { errors: [{ path: `/${part.fieldname.slice(0, 64)}`, message: 'is repeated' }] } });
          fields[part.fieldname] = String(part.value);
          continue;
        }
        if (!FILE_FIELDS.includes(part.fieldname)) {
          part.file.resume();
          throw new MixchainError('ERR_VALIDATION', `Expected files in fields vocal, beat and extra but got one in '${part.fieldname.slice(0, 64)}'`, { details: { errors: [{ path: `/${part.fieldname.slice(0, 64)}`, message: 'is not a file field' }] } });
        }
        const file = await receiveFile(part, services.storage.scratchDir, config.maxUploadMb);
        scratch.push(file);
        named[part.fieldname]!.push(file);
      }
      if (named.vocal!.length !== 1 || named.beat!.length > 1) {
        throw new MixchainError('ERR_VALIDATION', `Expected one file in field vocal and at most one in beat but got ${named.vocal!.length} and ${named.beat!.length}`, { details: { errors: [{ path: '/vocal', message: 'exactly one file is required' }] } });
      }
      const options = mixRequest(mixOptionsFromFields(fields));
      // Sniffed only: the worker decodes them anyway, and its refusals (undecodable, truncated, too long) come back as 4xx.
      for (const file of scratch) await sniffReceived(file);
      const [vocal] = named.vocal!;
      const [beat] = named.beat!;
      return {
        files: { vocal: vocal!.path, ...(beat ? { beat: beat.path } : {}), ...(named.extra!.length ? { extras: named.extra!.map((f) => f.path) } : {}) },
        request: options,
        input: { vocal: vocal!.filename ?? 'vocal', beat: beat ? (beat.filename ?? 'beat') : null, extras: named.extra!.map((f) => f.filename ?? 'extra'), options: { ...options }, webhookUrl: null, forward: false },
        scratch,
        names: new Map(scratch.map((f) => [f.path, `'${f.filename ?? 'the file'}'`])),
      };
    } catch (error) {
      await Promise.all(scratch.map((f) => rm(f.path, { force: true })));
      throw tooManyParts(error, `at most ${2 + MAX_EXTRAS} files (vocal, beat, ${MAX_EXTRAS} extra) and 20 option fields`);
    }
  }

  async function fromUploads(request: FastifyRequest, body: Record<string, unknown>): Promise<Gathered> {
    const { inputs, options } = splitBody(body, ['vocal', 'beat', 'extras']);
    const keyId = keyIdOf(request);
    const ids = [inputs.vocal as string, ...(inputs.beat ? [inputs.beat as string] : []), ...((inputs.extras as string[] | undefined) ?? [])];
    const request_ = mixRequest(options);
    const limit = inputLimit(request_);
    const paths: string[] = [];
    for (const id of ids) {
      const { upload, path } = await uploadedFile(services.uploads, services.storage, keyId, id);
      if (upload.durationSeconds > limit) throw tooLongForSync(new MixchainError('ERR_AUDIO_TOO_LONG', `Upload ${id} is ${upload.durationSeconds.toFixed(1)} s long`));
      paths.push(path);
    }
    const extras = paths.slice(inputs.beat ? 2 : 1);
    return {
      files: { vocal: paths[0]!, ...(inputs.beat ? { beat: paths[1]! } : {}), ...(extras.length ? { extras } : {}) },
      request: request_,
      input: { vocal: inputs.vocal as string, beat: (inputs.beat as string | null | undefined) ?? null, extras: (inputs.extras as string[] | undefined) ?? [], options: { ...options }, webhookUrl: null, forward: false },
      scratch: [],
      names: new Map(paths.map((path, i) => [path, `upload ${ids[i]}`])),
    };
  }

  /**
   * How long an input may be. A full mix renders its takes, so MIXCHAIN_SYNC_MAX_SECONDS bounds
   * them; a preview renders only its section (and pre-roll), so any take an upload may be can be
   * previewed, as long as the section itself is within the bound.
   */
  function inputLimit(request: MixRequest): number {
    const { duration } = request;
    if (typeof duration !== 'number') return config.syncMaxSeconds;
    if (duration > config.syncMaxSeconds) {
      throw new MixchainError('ERR_AUDIO_TOO_LONG', `Expected a preview of at most ${config.syncMaxSeconds} s for a synchronous mix (MIXCHAIN_SYNC_MAX_SECONDS) but got a duration of ${duration} s; use POST /api/v1/jobs`);
    }
    return DEFAULT_MAX_SECONDS;
  }

  function tooLongForSync(error: unknown): unknown {
    if (!(error instanceof MixchainError) || error.code !== 'ERR_AUDIO_TOO_LONG') return error;
    return new MixchainError('ERR_AUDIO_TOO_LONG', `Expected at most ${config.syncMaxSeconds} s per track for a synchronous mix (MIXCHAIN_SYNC_MAX_SECONDS): ${error.message}; use POST /api/v1/jobs for longer takes`);
  }

  async function render(request: FastifyRequest, reply: FastifyReply, gathered: Gathered) {
    const pool = services.pool!;
    // The client going away (its connection closing before the answer is complete) stops the render.
    const abort = new AbortController();
    const onClose = () => {
      if (!reply.raw.writableFinished) abort.abort();
    };
    reply.raw.once('close', onClose);
    const started = performance.now();
    let outcome = 'ok';
    try {
      return await renderMixToFile(pool, gathered.files, gathered.request, {
        folder: services.storage.scratchDir,
        name: randomUUID(),
        signal: abort.signal,
        label: request.id,
        maxSeconds: inputLimit(gathered.request),
      });
    } catch (error) {
      outcome = error instanceof MixchainError ? error.code : 'ERR_RENDER_FAILED';
      if (outcome === 'ERR_POOL_BUSY') reply.header('Retry-After', '5');
      throw tooLongForSync(withNames(error, gathered.names));
    } finally {
      app.metrics.renders.inc({ kind: 'sync', outcome: abort.signal.aborted ? 'disconnected' : outcome });
      app.metrics.renderSeconds.observe({ kind: 'sync' }, (performance.now() - started) / 1000);
    }
  }

  function wantsJson(request: FastifyRequest): boolean {
    return (request.headers.accept ?? '').split(',').some((type) => type.trim().startsWith('application/json'));
  }

  app.post(
    '/mix',
    {
      schema: {
        tags: ['mixes'],
        security: [{ apiKey: [] }],
        summary: 'Mix a vocal over a beat and answer with the audio (multipart files, or JSON upload ids)',
        description: 'Multipart: files `vocal`, optional `beat`, up to 8 `extra`, plus the mix options as fields. JSON: upload ids and options. Accept: application/json keeps the mix as a completed job and answers its link.',
        consumes: ['multipart/form-data', 'application/json'],
        body: MixFromUploads,
        response: {
          200: {
            description: 'The mix as the body (headers Mixchain-Loudness-Lufs, Mixchain-True-Peak-Dbtp, Mixchain-Render-Ms); with Accept: application/json, the kept job and its link',
            content: { ...audioContent, 'application/json': { schema: Type.Object({ jobId: Type.String(), report: Type.Object({}, { additionalProperties: true }), result: JobResultView }) } },
          },
          ...errorResponses(400, 401, 404, 413, 415, 422, 429, 503, 504),
        },
      },
      preValidation: strictBody(MixFromUploads, 'a JSON body of upload ids and mix options'),
      // The multipart body is checked by the handler, part by part, as it streams.
      validatorCompiler: ({ httpPart }) => (httpPart === 'body' ? (value: unknown) => ({ value }) : () => true),
      onRequest: async (request, reply) => {
        if (!services.pool || services.draining) throw new MixchainError('ERR_OVERLOADED', 'This server renders no mixes now (no workers, or shutting down)');
        if (admitted >= capacity) {
          reply.header('Retry-After', '5');
          throw new MixchainError('ERR_OVERLOADED', `Expected room for a synchronous mix but ${admitted} are rendering or waiting (workers + MIXCHAIN_SYNC_QUEUE = ${capacity}); retry later or use POST /api/v1/jobs`);
        }
        admitted++;
        reply.raw.once('close', () => admitted--);
      },
    },
    async (request, reply) => {
      const gathered = request.isMultipart() ? await fromMultipart(request) : await fromUploads(request, request.body as Record<string, unknown>);
      try {
        const { file, format, report } = await render(request, reply, gathered);
        if (wantsJson(request)) return await keepAsJob(request, gathered, file, format, report);
        return streamResult(reply, file, format, report);
      } finally {
        await Promise.all(gathered.scratch.map((f) => rm(f.path, { force: true })));
      }
    },
  );

  async function keepAsJob(request: FastifyRequest, gathered: Gathered, file: string, format: string, report: MixReport) {
    const job = await services.queue.recordCompleted(keyIdOf(request), gathered.input, report, async (id) => {
      const stored = await services.storage.put(`mixes/${id}.${format}`, file);
      return { key: stored.key, format, size: stored.size };
    });
    return { jobId: job.id, report: report as unknown as Record<string, unknown>, result: { url: await downloadUrl(originOf(request), services, job.result!.key, `mix-${job.id}.${format}`), size: job.result!.size, format } };
  }

  async function streamResult(reply: FastifyReply, file: string, format: string, report: MixReport) {
    const { size } = await stat(file);
    const stream = createReadStream(file);
    // Unlinked once open: the body streams from the open file and nothing is left behind.
    stream.once('open', () => void rm(file, { force: true }));
    stream.once('error', () => void rm(file, { force: true }));
    return reply
      .header('Content-Type', contentTypeOf(format))
      .header('Content-Length', size)
      .header('Content-Disposition', attachment(`mix.${format}`))
      .header('Mixchain-Loudness-Lufs', report.master.integratedLufs.toFixed(2))
      .header('Mixchain-True-Peak-Dbtp', report.master.truePeakDbtp.toFixed(2))
      .header('Mixchain-Render-Ms', Math.round(report.renderSeconds * 1000))
      .send(stream);
  }
};

export default routes;
