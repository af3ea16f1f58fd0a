// The HTTP contract of the design page (design/service.md) for the embedded service, route by
// route through app.inject(): every success shape with all its fields (nulls present, not left
// out), and the problem+json errors with their stable codes. Two apps: one with a render worker
// (mixes and jobs that finish), one without (jobs stay queued, so queued-state answers and
// paging are exact and cost no renders).
import { randomUUID } from 'node:crypto';
import dc from 'node:diagnostics_channel';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, RouteOptions } from 'fastify';
import type { InjectOptions, Response } from 'light-my-request';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureLoudness, readAudio, writeAudio } from '../src/index.js';
import { FINISHED_STATUSES, type JobEvent } from '../src/jobs/queue.js';
import { form, makeAudio, startTestServer, type AudioFixtures, type TestServer } from './fixtures/server.js';

// Every route each app registers, seen through an onRoute hook added the moment Fastify creates
// the instance (buildApp registers its routes itself, before a test could add a hook).
const registered = new Map<FastifyInstance, RouteOptions[]>();
const onAppCreated = (message: unknown) => {
  const { fastify } = message as { fastify: FastifyInstance };
  const routes: RouteOptions[] = [];
  registered.set(fastify, routes);
  fastify.addHook('onRoute', (route) => void routes.push(route));
};

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const DAY_MS = 86_400_000;
const JOB_FIELDS = ['id', 'status', 'progress', 'stage', 'attempts', 'createdAt', 'startedAt', 'finishedAt', 'expiresAt', 'options', 'report', 'result', 'error', 'deliveries'];
const UPLOAD_FIELDS = ['id', 'key', 'url', 'filename', 'mimetype', 'size', 'durationSeconds', 'sampleRate', 'channels', 'expiresAt'];

// The routes of the design page, as Fastify spells them.
const DESIGN_ROUTES = [
  'GET /livez',
  'GET /readyz',
  'GET /health',
  'GET /stats',
  'GET /metrics',
  'GET /docs',
  'GET /openapi.json',
  'GET /files/:token',
  'GET /api/v1/info',
  'GET /api/v1/recipes',
  'GET /api/v1/uploads/status',
  'POST /api/v1/uploads/media',
  'GET /api/v1/uploads/:id',
  'DELETE /api/v1/uploads/:id',
  'POST /api/v1/mix',
  'POST /api/v1/jobs',
  'GET /api/v1/jobs',
  'GET /api/v1/jobs/:id',
  'POST /api/v1/jobs/:id/cancel',
  'DELETE /api/v1/jobs/:id',
  'GET /api/v1/jobs/:id/result',
  'GET /api/v1/jobs/:id/events',
];
// One request per route behind the key, to check each refuses a missing or wrong key.
const KEYED_REQUESTS: InjectOptions[] = DESIGN_ROUTES.filter((r) => r.includes(' /api/v1/') && r !== 'GET /api/v1/info').map((route) => {
  const [method, path] = route.split(' ') as [InjectOptions['method'], string];
  return { method, url: path.replace(':id', 'some-id') };
});

let server: TestServer;
let idle: TestServer;
let audio: AudioFixtures;
let scratch: string;
let vocalId: string;
let beatId: string;

beforeAll(async () => {
  dc.subscribe('fastify.initialization', onAppCreated);
  scratch = mkdtempSync(join(tmpdir(), 'mixchain-contract-'));
  // The audio first: making it blocks the event loop (ffmpeg, synthesis), which a running
  // server's load shedding (under-pressure) would read as overload.
  audio = await makeAudio(3);
  [server, idle] = await Promise.all([startTestServer({ workers: 1 }), startTestServer({ workers: 0 })]);
  dc.unsubscribe('fastify.initialization', onAppCreated);
  // Ready compiles every schema in one blocking stretch, which under-pressure's next sample reads
  // as load (503 for a second; both apps share this event loop). Wait for a sample taken after
  // both start-ups that finds no pressure (a new sample shows a new utilisation figure), then
  // for readiness (the pool up).
  const apps = [server.app, idle.app];
  await Promise.all(apps.map((app) => app.ready()));
  const sampled = apps.map((app) => app.memoryUsage().eventLoopUtilized);
  await until(async () => apps.every((app, i) => app.memoryUsage().eventLoopUtilized !== sampled[i] && !app.isUnderPressure()), 'a calm load sample after start-up');
  for (const app of apps) await until(async () => (await app.inject('/readyz')).statusCode === 200, 'readiness');
  [vocalId, beatId] = await Promise.all([uploaded(server, audio.vocalM4a), uploaded(server, audio.beatWav)]);
});

afterAll(async () => {
  dc.unsubscribe('fastify.initialization', onAppCreated);
  await Promise.all([server?.close(), idle?.close()]);
  audio?.remove();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

// --- helpers ------------------------------------------------------------------------------------

function call(target: TestServer, options: InjectOptions & { key?: string | null }): Promise<Response> {
  const { key, headers, ...rest } = options;
  return target.app.inject({ ...rest, headers: { ...(key === null ? {} : target.auth(key)), ...headers } }) as Promise<Response>;
}

async function uploadFile(target: TestServer, path: string, key?: string): Promise<Response> {
  return call(target, { method: 'POST', url: '/api/v1/uploads/media', key, payload: await form({ file: path }) });
}

/** The id of a new upload (the upload must succeed). */
async function uploaded(target: TestServer, path: string, key?: string): Promise<string> {
  const response = await uploadFile(target, path, key);
  expect(response.statusCode, response.body.slice(0, 300)).toBe(201);
  return response.json().id;
}

/** A problem+json answer with this status and code; returns its body. */
function expectProblem(response: Response, status: number, code: string) {
  expect({ status: response.statusCode, type: response.headers['content-type'] }).toEqual({ status, type: expect.stringMatching(/^application\/problem\+json/) });
  const body = response.json();
  expect(body).toMatchObject({ type: `urn:mixchain:error:${code}`, title: expect.any(String), status, detail: expect.any(String), code });
  return body as { detail: string; errors?: Array<{ path: string; message: string }> };
}

/** The path of a link the API gave (its host is the inject's). */
const pathOf = (url: string) => new URL(url).pathname;

function expectKeys(value: object, fields: string[]) {
  for (const field of fields) expect(value, field).toHaveProperty(field);
}

/** Waits for a job's final state: subscribed first, so a job that ends meanwhile is not missed. */
async function finished(target: TestServer, id: string, timeoutMs = 45_000): Promise<Record<string, any>> {
  let unsubscribe = () => {};
  let timer: NodeJS.Timeout | undefined;
  const ended = new Promise<void>((resolve, reject) => {
    unsubscribe = target.app.services.queue.subscribe((event: JobEvent) => event.jobId === id && event.type !== 'progress' && resolve());
    timer = setTimeout(() => reject(new Error(`job ${id} did not finish within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const now = (await call(target, { url: `/api/v1/jobs/${id}` })).json();
    if (!FINISHED_STATUSES.includes(now.status)) await ended;
  } finally {
    unsubscribe();
    clearTimeout(timer);
  }
  return (await call(target, { url: `/api/v1/jobs/${id}` })).json();
}

/** Polls a status until it holds (readiness has no event to wait on). */
async function until(check: () => Promise<boolean>, what: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Decodes an audio body (the library reads files). */
function decodeBody(body: Buffer, extension: string) {
  const file = join(scratch, `${randomUUID()}.${extension}`);
  writeFileSync(file, body);
  return readAudio(file);
}

const submitJob = (target: TestServer, payload: object, headers: Record<string, string> = {}) => call(target, { method: 'POST', url: '/api/v1/jobs', payload, headers });

// --- operations ---------------------------------------------------------------------------------

describe('operations (no key)', () => {
  it('livez, health and stats answer their shapes', async () => {
    expect((await call(server, { url: '/livez', key: null })).json()).toEqual({ status: 'ok' });
    const health = await call(server, { url: '/health', key: null });
    expect(health.json()).toEqual({ status: 'ok', worker_id: expect.any(String), uptime: expect.any(Number) });
    const stats = (await call(server, { url: '/stats', key: null })).json();
    expect(stats).toEqual({
      worker_id: health.json().worker_id,
      processed: expect.any(Number),
      failed: expect.any(Number),
      lastJobAt: null,
      uptime: expect.any(Number),
      pool: expect.objectContaining({ workers: [expect.anything()] }),
      queue: { queued: 0, processing: 0, completed: 0, failed: 0, cancelled: 0 },
      storage: expect.objectContaining({ provider: 'local', uploads: 2, pendingUploads: 0, bucketReachable: null, cacheBytes: expect.any(Number), cacheHitRate: null }),
      deliveries: { webhooks: { pending: 0, sending: 0, delivered: 0, failed: 0 }, forwards: { pending: 0, sending: 0, delivered: 0, failed: 0 } },
    });
    // An API-only node has no pool: null, not missing.
    expect((await call(idle, { url: '/stats', key: null })).json()).toMatchObject({ pool: null, lastJobAt: null });
  });

  it('readyz is 200 when ready, and 503 problem+json while draining', async () => {
    expect((await call(server, { url: '/readyz', key: null })).json()).toEqual({ status: 'ready' });
    server.app.services.draining = true;
    try {
      expectProblem(await call(server, { url: '/readyz', key: null }), 503, 'ERR_SHUTTING_DOWN');
      expect((await call(server, { url: '/health', key: null })).json().status).toBe('draining');
      // No new work either: API requests are refused at the door, though a worker is free.
      const refused = await call(server, { method: 'POST', url: '/api/v1/mix', payload: { vocal: vocalId } });
      expectProblem(refused, 503, 'ERR_SHUTTING_DOWN');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      server.app.services.draining = false;
    }
    expect((await call(server, { url: '/readyz', key: null })).statusCode).toBe(200);
  });

  it('/docs is an HTML page', async () => {
    const docs = await call(server, { url: '/docs', key: null });
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-type']).toMatch(/^text\/html/);
    expect(docs.body).toMatch(/<html/i);
  });

  it('an unknown route is a 404 problem', async () => {
    expectProblem(await call(server, { url: '/api/v1/nothing-here', key: null }), 404, 'ERR_NOT_FOUND');
  });
});

// --- keys ---------------------------------------------------------------------------------------

describe('authentication', () => {
  it('every /api/v1 route but /info refuses a missing or unknown key with 401', async () => {
    for (const request of KEYED_REQUESTS) {
      const missing = await call(server, { ...request, key: null });
      expectProblem(missing, 401, 'ERR_UNAUTHORIZED');
      expect(missing.headers['www-authenticate'], `${request.method} ${request.url}`).toMatch(/^Bearer/);
      expectProblem(await call(server, { ...request, headers: { authorization: 'Bearer mck_not-a-key' }, key: null }), 401, 'ERR_UNAUTHORIZED');
    }
  });

  it('/info needs no key and states limits, formats, presets, reverbs and recipes', async () => {
    const info = await call(server, { url: '/api/v1/info', key: null });
    expect(info.statusCode).toBe(200);
    expect(info.json()).toEqual({
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      limits: { maxUploadMb: 200, syncMaxSeconds: 600, rateLimitPerMinute: 0 },
      formats: ['wav', 'flac', 'mp3', 'ogg', 'opus'],
      sampleTypes: ['pcm16', 'pcm24', 'float'],
      loudnessPresets: expect.objectContaining({ streaming: expect.any(Number), none: null }),
      reverbChoices: expect.arrayContaining(['reverb1', 'reverb2', 'reverb3new', 'none']),
      recipes: expect.arrayContaining(['default']),
    });
  });
});

// --- service ------------------------------------------------------------------------------------

describe('recipes and storage status', () => {
  it('/recipes lists roles, choices and installed plugins, without paths of this machine', async () => {
    const recipes = (await call(server, { url: '/api/v1/recipes' })).json();
    const names = (await call(server, { url: '/api/v1/info', key: null })).json().recipes;
    expect(recipes.map((r: { name: string }) => r.name)).toEqual(names);
    for (const recipe of recipes) {
      expect(recipe).toEqual({ name: expect.any(String), description: expect.any(String), choices: expect.any(Object), roles: expect.any(Array) });
      for (const role of recipe.roles) {
        expect(role).toEqual({ role: expect.any(String), placement: expect.any(String), plugins: expect.any(Array) });
        for (const plugin of role.plugins) {
          expect(plugin).toMatchObject({ bundle: expect.any(String), installed: expect.any(Boolean) });
          expect(plugin).not.toHaveProperty('path');
        }
      }
    }
  });

  it('/uploads/status names the local provider, with nulls for the bucket', async () => {
    expect((await call(server, { url: '/api/v1/uploads/status' })).json()).toEqual({ r2Configured: false, provider: 'local', bucket: null, publicUrl: null, bucketReachable: null, pendingUploads: 0, warning: null });
  });
});

// --- uploads ------------------------------------------------------------------------------------

describe('uploads', () => {
  it('201 with the whole shape, the kind judged by content', async () => {
    const before = Date.now();
    const response = await uploadFile(server, audio.vocalM4a);
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expectKeys(body, UPLOAD_FIELDS);
    const vocal = readAudio(audio.vocalWav);
    expect(body).toMatchObject({
      id: expect.stringMatching(new RegExp(`^${UUID}$`)),
      key: expect.stringMatching(new RegExp(`^uploads/${UUID}\\.m4a$`)),
      url: expect.stringMatching(/\/files\/[^/]+$/),
      filename: 'vocal.m4a',
      mimetype: expect.stringMatching(/^audio\/(mp4|x-m4a)$/),
      size: statSync(audio.vocalM4a).size,
      sampleRate: vocal.sampleRate,
      channels: 1,
    });
    // AAC adds priming and padding: the length is the take's within a frame or two.
    expect(body.durationSeconds).toBeCloseTo(vocal.channels[0]!.length / vocal.sampleRate, 1);
    expect(Date.parse(body.expiresAt) - before).toBeGreaterThanOrEqual(7 * DAY_MS - 1000);
    expect(Date.parse(body.expiresAt) - before).toBeLessThanOrEqual(7 * DAY_MS + 60_000);
  });

  it("answers the waveform's peaks with the upload, gathered from the decoded audio (also through ffmpeg)", async () => {
    // Two seconds of a 0.5 tone, then two seconds at 0.1: the peaks follow it, stretch by stretch.
    const rate = 44100;
    const samples = Float32Array.from({ length: 4 * rate }, (_, i) => (i < 2 * rate ? 0.5 : 0.1) * Math.sin((2 * Math.PI * 441 * i) / rate));
    const path = join(scratch, 'steps.wav');
    writeAudio(path, [samples], rate, { sampleType: 'float' });
    const { peaks } = (await uploadFile(server, path)).json();
    // Up to 1000 stretches of whole samples: 997 of 177 samples (the last one shorter).
    expect(peaks.min).toHaveLength(997);
    expect(peaks.max).toHaveLength(997);
    expect(peaks.rms).toHaveLength(997);
    expect(peaks.bucketSeconds).toBeCloseTo(177 / rate, 9);
    const half = Math.floor((2 * rate) / 177);
    expect(Math.max(...peaks.max.slice(0, half))).toBeCloseTo(0.5, 3);
    expect(Math.min(...peaks.min.slice(0, half))).toBeCloseTo(-0.5, 3);
    expect(Math.max(...peaks.max.slice(half + 1))).toBeCloseTo(0.1, 3);
    expect(peaks.rms[250]).toBeCloseTo(0.5 / Math.SQRT2, 2);
    expect(peaks.rms[750]).toBeCloseTo(0.1 / Math.SQRT2, 2);
    // The M4A of the vocal takes the ffmpeg path; its peaks span the take as the WAV's do.
    const [m4a, wav] = [(await uploadFile(server, audio.vocalM4a)).json(), (await uploadFile(server, audio.vocalWav)).json()];
    expect(m4a.peaks.max.length).toBeGreaterThan(900);
    expect(Math.max(...m4a.peaks.max)).toBeCloseTo(Math.max(...wav.peaks.max), 1);
    // Only the upload's answer carries them; the record does not.
    expect((await call(server, { url: `/api/v1/uploads/${wav.id}` })).json()).not.toHaveProperty('peaks');
  });

  it('GET answers the same record; its url downloads the same bytes without a key; a tampered link is 404', async () => {
    const upload = await uploadFile(server, audio.beatWav);
    expect(upload.statusCode).toBe(201);
    const created = upload.json();
    const read = await call(server, { url: `/api/v1/uploads/${created.id}` });
    expect(read.statusCode).toBe(200);
    // The same record, less the peaks only the upload's answer carries.
    const { url: _url, peaks: _peaks, ...fields } = created;
    expect(read.json()).toEqual({ ...fields, url: expect.stringMatching(/\/files\/[^/]+$/) });

    const download = await call(server, { url: pathOf(read.json().url), key: null });
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-type']).toBe('audio/wav');
    expect(download.rawPayload.equals(readFileSync(audio.beatWav))).toBe(true);

    const token = pathOf(created.url).split('/').pop()!;
    const [payload, mac] = token.split('.') as [string, string];
    const flipped = `${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`;
    expectProblem(await call(server, { url: `/files/${payload}.${flipped}`, key: null }), 404, 'ERR_NOT_FOUND');
    // Another file's key in a payload signed for this one.
    const forged = Buffer.from(JSON.stringify([`uploads/${vocalId}.m4a`, 'x.m4a', 4_000_000_000])).toString('base64url');
    expectProblem(await call(server, { url: `/files/${forged}.${mac}`, key: null }), 404, 'ERR_NOT_FOUND');
  });

  it('another key gets 404 for the upload, never 403', async () => {
    const other = await server.newKey('stranger');
    expectProblem(await call(server, { url: `/api/v1/uploads/${beatId}`, key: other.key }), 404, 'ERR_UPLOAD_NOT_FOUND');
    expectProblem(await call(server, { method: 'DELETE', url: `/api/v1/uploads/${beatId}`, key: other.key }), 404, 'ERR_UPLOAD_NOT_FOUND');
    expect((await call(server, { url: `/api/v1/uploads/${beatId}` })).statusCode).toBe(200);
  });

  it('DELETE is 204 with no body; then the record and its link are gone', async () => {
    const upload = await uploadFile(server, audio.beatWav);
    expect(upload.statusCode).toBe(201);
    const created = upload.json();
    const removed = await call(server, { method: 'DELETE', url: `/api/v1/uploads/${created.id}` });
    expect(removed.statusCode).toBe(204);
    expect(removed.body).toBe('');
    expectProblem(await call(server, { url: `/api/v1/uploads/${created.id}` }), 404, 'ERR_UPLOAD_NOT_FOUND');
    expectProblem(await call(server, { url: pathOf(created.url), key: null }), 404, 'ERR_NOT_FOUND');
  });

  it('refuses what is not audio (415), what does not decode (422), a body that is not multipart (415), a file in another field (400)', async () => {
    const text = await call(server, { method: 'POST', url: '/api/v1/uploads/media', payload: await form({ file: { name: 'song.wav', bytes: new TextEncoder().encode('just some text, not a song'), type: 'audio/wav' } }) });
    expectProblem(text, 415, 'ERR_NOT_AUDIO');

    // A WAV header promising data that is not there: sniffed as audio, then fails to decode.
    const header = readFileSync(audio.beatWav).subarray(0, 44);
    const broken = await call(server, { method: 'POST', url: '/api/v1/uploads/media', payload: await form({ file: { name: 'cut.wav', bytes: header } }) });
    expect(broken.statusCode).toBe(422);
    expect(broken.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(broken.json().code).toMatch(/^ERR_(AUDIO_DECODE|AUDIO_TRUNCATED|EMPTY_INPUT)$/);

    expectProblem(await call(server, { method: 'POST', url: '/api/v1/uploads/media', payload: { file: 'x' } }), 415, 'ERR_UNSUPPORTED_MEDIA_TYPE');

    const misplaced = expectProblem(await call(server, { method: 'POST', url: '/api/v1/uploads/media', payload: await form({ audio: audio.beatWav }) }), 400, 'ERR_VALIDATION');
    expect(misplaced.errors).toEqual([{ path: '/file', message: expect.any(String) }]);
  });
});

// --- synchronous mixes --------------------------------------------------------------------------

describe('POST /mix', () => {
  const mix = { duration: 2 };

  it('answers the audio with its headers; the headline figures are those of the body', async () => {
    const response = await call(server, { method: 'POST', url: '/api/v1/mix', payload: { vocal: vocalId, beat: beatId, ...mix } });
    expect(response.statusCode, response.body.slice(0, 300)).toBe(200);
    expect(response.headers['content-type']).toBe('audio/wav');
    expect(Number(response.headers['content-length'])).toBe(response.rawPayload.length);
    expect(response.headers['content-disposition']).toMatch(/^attachment; filename="mix\.wav"/);
    const lufs = Number(response.headers['mixchain-loudness-lufs']);
    const peak = Number(response.headers['mixchain-true-peak-dbtp']);
    expect(Number(response.headers['mixchain-render-ms'])).toBeGreaterThan(0);

    const decoded = decodeBody(response.rawPayload, 'wav');
    expect(decoded.channels).toHaveLength(2);
    expect(decoded.channels[0]!.length / decoded.sampleRate).toBeCloseTo(2, 1);
    const measured = measureLoudness(decoded.channels, decoded.sampleRate);
    expect(lufs).toBeCloseTo(measured.integratedLufs, 0);
    expect(peak).toBeCloseTo(measured.truePeakDbtp, 0);
  });

  it('with Accept: application/json keeps the mix as a completed job and answers its link', async () => {
    const response = await call(server, { method: 'POST', url: '/api/v1/mix', payload: { vocal: vocalId, beat: beatId, ...mix, format: 'flac' }, headers: { accept: 'application/json' } });
    expect(response.statusCode, response.body.slice(0, 300)).toBe(200);
    const body = response.json();
    expect(body).toEqual({ jobId: expect.any(String), report: expect.objectContaining({ master: expect.any(Object) }), result: { url: expect.any(String), size: expect.any(Number), format: 'flac' } });

    const file = await call(server, { url: pathOf(body.result.url), key: null });
    expect(file.statusCode).toBe(200);
    expect(file.rawPayload.length).toBe(body.result.size);
    expect(decodeBody(file.rawPayload, 'flac').format).toMatch(/flac/i);

    const job = (await call(server, { url: `/api/v1/jobs/${body.jobId}` })).json();
    expect(job).toMatchObject({ id: body.jobId, status: 'completed', progress: 100, result: { size: body.result.size, format: 'flac' } });
    expect(job.options).toMatchObject({ vocal: vocalId, beat: beatId, duration: 2, format: 'flac' });
  });

  it('names invalid fields: out of range, unknown, wrong type; unknown uploads are 404; bad JSON is 400', async () => {
    const post = (payload: unknown, key?: string) => call(server, { method: 'POST', url: '/api/v1/mix', payload: payload as object, key });
    // One entry per field, every faulty field named (a union's alternatives said once).
    const invalid = expectProblem(await post({ vocal: vocalId, lufs: 5, vocalGainDb: -61, sampleRate: 4000, reverb: 'hall', bogus: 1 }), 400, 'ERR_VALIDATION');
    expect([...invalid.errors!].sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: '/bogus', message: 'is not a known field' },
      { path: '/lufs', message: expect.stringMatching(/<= 0.*streaming/) },
      { path: '/reverb', message: 'must be one of reverb1, reverb2, reverb3new, none' },
      { path: '/sampleRate', message: expect.stringContaining('8000') },
      { path: '/vocalGainDb', message: expect.stringContaining('-60') },
    ]);

    expect(expectProblem(await post({ beat: beatId }), 400, 'ERR_VALIDATION').errors).toEqual([{ path: '/vocal', message: 'is required' }]);
    expect(expectProblem(await post({ vocal: vocalId, recipe: 'no-such-recipe' }), 400, 'ERR_RECIPE_NOT_FOUND').errors).toEqual([{ path: '/recipe', message: expect.any(String) }]);

    expectProblem(await post({ vocal: 'no-such-upload', beat: beatId }), 404, 'ERR_UPLOAD_NOT_FOUND');
    expectProblem(await post({ vocal: vocalId }, (await server.newKey()).key), 404, 'ERR_UPLOAD_NOT_FOUND');
    expectProblem(await call(server, { method: 'POST', url: '/api/v1/mix', payload: '{"vocal":', headers: { 'content-type': 'application/json' } }), 400, 'ERR_MALFORMED_REQUEST');
  });

  it('a server without workers refuses synchronous mixes with 503', async () => {
    expectProblem(await call(idle, { method: 'POST', url: '/api/v1/mix', payload: { vocal: 'x' } }), 503, 'ERR_OVERLOADED');
  });
});

// --- jobs that run ------------------------------------------------------------------------------

describe('jobs', () => {
  let job: Record<string, any>;

  beforeAll(async () => {
    const response = await submitJob(server, { vocal: vocalId, beat: beatId, duration: 2 });
    expect(response.statusCode, response.body.slice(0, 300)).toBe(202);
    job = await finished(server, response.json().id);
  });

  it('a completed job has its report, result, times and expiry', async () => {
    expect(Object.keys(job).sort()).toEqual([...JOB_FIELDS].sort());
    expect(job.options).toEqual({ vocal: vocalId, beat: beatId, extras: [], duration: 2, webhookUrl: null, forward: false });
    expect(job).toMatchObject({ status: 'completed', progress: 100, attempts: 1, error: null, deliveries: [], report: expect.objectContaining({ master: expect.any(Object) }), result: { url: expect.any(String), size: expect.any(Number), format: 'wav' } });
    expect(Date.parse(job.startedAt)).toBeGreaterThanOrEqual(Date.parse(job.createdAt));
    expect(Date.parse(job.finishedAt)).toBeGreaterThanOrEqual(Date.parse(job.startedAt));
    expect(Date.parse(job.expiresAt) - Date.parse(job.finishedAt)).toBe(7 * DAY_MS);
    expect((await call(server, { url: `/api/v1/jobs/${job.id}` })).json()).toEqual({ ...job, result: { ...job.result, url: expect.any(String) } });
  });

  it('GET /result serves the file, byte ranges (206), and 416 outside the file', async () => {
    const url = `/api/v1/jobs/${job.id}/result`;
    const whole = await call(server, { url });
    expect(whole.statusCode).toBe(200);
    expect(whole.headers).toMatchObject({ 'content-type': 'audio/wav', 'accept-ranges': 'bytes', 'content-length': String(job.result.size) });
    expect(whole.headers['content-disposition']).toContain(`mix-${job.id}.wav`);
    expect(whole.rawPayload.length).toBe(job.result.size);

    const head = await call(server, { url, headers: { range: 'bytes=0-11' } });
    expect(head.statusCode).toBe(206);
    expect(head.headers['content-range']).toBe(`bytes 0-11/${job.result.size}`);
    expect(head.rawPayload.equals(whole.rawPayload.subarray(0, 12))).toBe(true);
    const tail = await call(server, { url, headers: { range: 'bytes=-100' } });
    expect(tail.statusCode).toBe(206);
    expect(tail.rawPayload.equals(whole.rawPayload.subarray(-100))).toBe(true);

    const outside = await call(server, { url, headers: { range: `bytes=${job.result.size}-` } });
    expectProblem(outside, 416, 'ERR_RANGE_NOT_SATISFIABLE');
    expect(outside.headers['content-range']).toBe(`bytes */${job.result.size}`);

    // The job's own link serves the same bytes without the key.
    expect((await call(server, { url: pathOf(job.result.url), key: null })).rawPayload.equals(whole.rawPayload)).toBe(true);
  });

  it('GET /result?format=flac is a FLAC of the same audio; an unknown format is 400', async () => {
    const url = `/api/v1/jobs/${job.id}/result`;
    const wav = decodeBody((await call(server, { url })).rawPayload, 'wav');
    const response = await call(server, { url: `${url}?format=flac` });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('audio/flac');
    expect(response.rawPayload.subarray(0, 4).toString('latin1')).toBe('fLaC');
    const flac = decodeBody(response.rawPayload, 'flac');
    expect({ rate: flac.sampleRate, channels: flac.channels.length, frames: flac.channels[0]!.length }).toEqual({ rate: wav.sampleRate, channels: wav.channels.length, frames: wav.channels[0]!.length });
    // Kept for later requests: the same bytes again.
    expect((await call(server, { url: `${url}?format=flac` })).rawPayload.equals(response.rawPayload)).toBe(true);
    expectProblem(await call(server, { url: `${url}?format=aiff` }), 400, 'ERR_VALIDATION');
  });

  it('cancelling a finished job is 409', async () => {
    expectProblem(await call(server, { method: 'POST', url: `/api/v1/jobs/${job.id}/cancel` }), 409, 'ERR_JOB_FINISHED');
  });

  it('another key gets 404 for the job on every route', async () => {
    const { key } = await server.newKey('stranger');
    for (const [method, path] of [['GET', ''], ['GET', '/result'], ['GET', '/events'], ['POST', '/cancel'], ['DELETE', '']] as const) {
      expectProblem(await call(server, { method, url: `/api/v1/jobs/${job.id}${path}`, key }), 404, 'ERR_JOB_NOT_FOUND');
    }
  });

  it('DELETE is 204, then the job, its result and its link are 404', async () => {
    const removed = await call(server, { method: 'DELETE', url: `/api/v1/jobs/${job.id}` });
    expect(removed.statusCode).toBe(204);
    expect(removed.body).toBe('');
    expectProblem(await call(server, { url: `/api/v1/jobs/${job.id}` }), 404, 'ERR_JOB_NOT_FOUND');
    expectProblem(await call(server, { url: `/api/v1/jobs/${job.id}/result` }), 404, 'ERR_JOB_NOT_FOUND');
    expectProblem(await call(server, { method: 'DELETE', url: `/api/v1/jobs/${job.id}` }), 404, 'ERR_JOB_NOT_FOUND');
    expectProblem(await call(server, { url: pathOf(job.result.url), key: null }), 404, 'ERR_NOT_FOUND');
  });

  it('/metrics counts requests, jobs by status and renders by outcome', async () => {
    const metrics = await call(server, { url: '/metrics', key: null });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
    expect(metrics.body).toMatch(/^http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/mix",status_code="200"\} 2$/m);
    expect(metrics.body).toMatch(/^mixchain_jobs\{status="completed"\} [1-9]/m);
    expect(metrics.body).toMatch(/^mixchain_renders_total\{kind="sync",outcome="ok"\} 2$/m);
    // One job rendered here; the synchronous mix kept as a job is counted once, as sync.
    expect(metrics.body).toMatch(/^mixchain_renders_total\{kind="job",outcome="completed"\} 1$/m);
    expect(metrics.body).toMatch(/^mixchain_upload_bytes_total [1-9]/m);
    expect(metrics.body).toMatch(/^mixchain_pool_workers\{state="ready"\} 1$/m);
  });

  it('a job in opus renders at the 48 kHz opus needs, as a synchronous mix does', async () => {
    const response = await submitJob(server, { vocal: vocalId, duration: 1, format: 'opus' });
    expect(response.statusCode, response.body.slice(0, 300)).toBe(202);
    const opus = await finished(server, response.json().id);
    expect(opus).toMatchObject({ status: 'completed', error: null, result: { format: 'opus' }, options: { format: 'opus', sampleRate: 48000 } });
  });
});

// --- jobs that stay queued (no workers) -----------------------------------------------------------

describe('queued jobs (a server without workers)', () => {
  let idleVocal: string;
  let idleBeat: string;

  beforeAll(async () => {
    [idleVocal, idleBeat] = await Promise.all([uploaded(idle, audio.vocalWav), uploaded(idle, audio.beatWav)]);
  });

  it('POST is 202 with Location and the job: every field, nulls where nothing is known yet', async () => {
    const response = await submitJob(idle, { vocal: idleVocal });
    expect(response.statusCode).toBe(202);
    expect(response.headers.location).toBe(`/api/v1/jobs/${response.json().id}`);
    expect(response.json()).toEqual({
      id: expect.any(String),
      status: 'queued',
      progress: 0,
      stage: null,
      attempts: 0,
      createdAt: expect.any(String),
      startedAt: null,
      finishedAt: null,
      expiresAt: null,
      options: { vocal: idleVocal, beat: null, extras: [], webhookUrl: null, forward: false },
      report: null,
      result: null,
      error: null,
      deliveries: [],
    });
    expect((await call(idle, { url: `/api/v1/jobs/${response.json().id}` })).json()).toEqual(response.json());
    expectProblem(await call(idle, { url: `/api/v1/jobs/${response.json().id}/result` }), 409, 'ERR_JOB_NOT_FINISHED');
  });

  it('cancel: a queued job at once (200, cancelled); again: 409', async () => {
    const { id } = (await submitJob(idle, { vocal: idleVocal })).json();
    const cancelled = await call(idle, { method: 'POST', url: `/api/v1/jobs/${id}/cancel` });
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json()).toMatchObject({ id, status: 'cancelled', finishedAt: expect.any(String), expiresAt: expect.any(String), result: null });
    expectProblem(await call(idle, { method: 'POST', url: `/api/v1/jobs/${id}/cancel` }), 409, 'ERR_JOB_FINISHED');
    expectProblem(await call(idle, { method: 'POST', url: '/api/v1/jobs/no-such-job/cancel' }), 404, 'ERR_JOB_NOT_FOUND');
    // Counted among jobs, not among renders: it never rendered.
    const metrics = (await call(idle, { url: '/metrics', key: null })).body;
    expect(metrics).toMatch(/^mixchain_jobs\{status="cancelled"\} [1-9]/m);
    expect(metrics).not.toMatch(/^mixchain_renders_total\{/m);
  });

  it('lists newest first in pages that chain by nextCursor, filtered by status', async () => {
    const { key } = await idle.newKey('lister');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await call(idle, { method: 'POST', url: '/api/v1/jobs', payload: { vocal: await uploaded(idle, audio.beatWav, key) }, key })).json().id);
    expect((await call(idle, { method: 'POST', url: `/api/v1/jobs/${ids[1]}/cancel`, key })).statusCode).toBe(200);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await call(idle, { url: `/api/v1/jobs?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, key });
      expect(page.statusCode).toBe(200);
      const body = page.json();
      expect(Object.keys(body).sort()).toEqual(['items', 'nextCursor']);
      expect(body.items.length).toBeLessThanOrEqual(2);
      for (const item of body.items) expectKeys(item, JOB_FIELDS);
      seen.push(...body.items.map((j: { id: string }) => j.id));
      cursor = body.nextCursor;
      pages++;
    } while (cursor !== null && pages < 10);
    expect(seen).toEqual([...ids].reverse());
    expect(pages).toBe(3);

    const cancelled = (await call(idle, { url: '/api/v1/jobs?status=cancelled', key })).json();
    expect(cancelled).toEqual({ items: [expect.objectContaining({ id: ids[1], status: 'cancelled' })], nextCursor: null });
    // The default page holds them all, with no next page.
    expect((await call(idle, { url: '/api/v1/jobs', key })).json().nextCursor).toBeNull();
  });

  it('list parameters are checked: limit, status and cursor', async () => {
    for (const query of ['limit=0', 'limit=101', 'status=done', 'sort=asc']) {
      const body = expectProblem(await call(idle, { url: `/api/v1/jobs?${query}` }), 400, 'ERR_VALIDATION');
      expect(body.errors!.length, query).toBeGreaterThan(0);
      expect(body.errors![0]!.path, query).toContain(query.split('=')[0]);
    }
    expectProblem(await call(idle, { url: '/api/v1/jobs?cursor=not-a-cursor' }), 400, 'ERR_INVALID_CURSOR');
  });

  it('Idempotency-Key: the same key and body replay the job; another body is 422', async () => {
    const headers = { 'idempotency-key': `contract-${Date.now()}` };
    const body = { vocal: idleVocal, beat: idleBeat, lufs: 'streaming' };
    const first = await submitJob(idle, body, headers);
    expect(first.statusCode).toBe(202);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await submitJob(idle, body, headers);
    expect(again.statusCode).toBe(202);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers.location).toBe(first.headers.location);
    expect(again.json().id).toBe(first.json().id);
    expectProblem(await submitJob(idle, { ...body, lufs: 'podcast' }, headers), 422, 'ERR_IDEMPOTENCY_MISMATCH');
    // The key belongs to the caller: another key with the same Idempotency-Key makes its own job.
    const { key } = await idle.newKey('other-caller');
    const theirs = await call(idle, { method: 'POST', url: '/api/v1/jobs', payload: { vocal: await uploaded(idle, audio.beatWav, key) }, headers, key });
    expect(theirs.statusCode).toBe(202);
    expect(theirs.json().id).not.toBe(first.json().id);
  });

  it('a job body is checked: missing vocal, unknown upload, bad webhook URL, unknown field', async () => {
    expect(expectProblem(await submitJob(idle, { beat: idleBeat }), 400, 'ERR_VALIDATION').errors).toEqual([{ path: '/vocal', message: 'is required' }]);
    // The same union, said once, through the route's own validator.
    expect(expectProblem(await submitJob(idle, { vocal: idleVocal, lufs: 'loud' }), 400, 'ERR_VALIDATION').errors).toEqual([{ path: '/lufs', message: expect.stringMatching(/number.*streaming/) }]);
    expectProblem(await submitJob(idle, { vocal: 'no-such-upload' }), 404, 'ERR_UPLOAD_NOT_FOUND');
    expectProblem(await submitJob(idle, { vocal: idleVocal, extras: ['no-such-upload'] }), 404, 'ERR_UPLOAD_NOT_FOUND');
    expect(expectProblem(await submitJob(idle, { vocal: idleVocal, webhookUrl: 'not a url' }), 400, 'ERR_VALIDATION').errors!.map((e) => e.path)).toEqual(['/webhookUrl']);
    expect(expectProblem(await submitJob(idle, { vocal: idleVocal, colour: 'red' }), 400, 'ERR_VALIDATION').errors).toEqual([{ path: '/colour', message: 'is not a known field' }]);
  });
});

// --- the API description ------------------------------------------------------------------------

describe('OpenAPI', () => {
  let doc: Record<string, any>;
  const operations = () =>
    Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method]) => ['get', 'put', 'post', 'delete', 'patch'].includes(method))
        .map(([method, operation]) => ({ name: `${method.toUpperCase()} ${path}`, path, operation })),
    );

  beforeAll(async () => {
    const response = await call(server, { url: '/openapi.json', key: null });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    doc = response.json();
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(validator.version).toBe('3.1');
  });

  it('describes exactly the routes the app serves (all of the design page among them)', () => {
    const routes = registered.get(server.app)!;
    expect(routes.length).toBeGreaterThan(0);
    const served = new Set(
      routes
        .filter((route) => !route.schema?.hide)
        .flatMap((route) => [route.method].flat().filter((m) => m !== 'HEAD').map((m) => `${m} ${route.url.replace(/:(\w+)/g, '{$1}')}`)),
    );
    const documented = new Set(operations().map((o) => o.name));
    expect([...documented].sort()).toEqual([...served].sort());
    // A prefixed plugin's root route (the docs page) is seen as '/docs/' and served as '/docs' too.
    const all = new Set(routes.flatMap((route) => [route.method].flat().map((m) => `${m} ${route.url.replace(/(.)\/$/, '$1')}`)));
    for (const route of DESIGN_ROUTES) expect(all.has(route), route).toBe(true);
  });

  it('every operation states its success answer; every keyed one its 401; errors are Problem as problem+json', () => {
    for (const { name, path, operation } of operations()) {
      const statuses = Object.keys(operation.responses ?? {});
      expect(statuses.some((s) => /^2/.test(s)), `${name} documents no success answer`).toBe(true);
      if (path.startsWith('/api/v1/') && path !== '/api/v1/info') {
        expect(operation.security, name).toEqual([{ apiKey: [] }]);
        expect(statuses, name).toContain('401');
      }
      for (const status of statuses.filter((s) => Number(s) >= 400)) {
        expect(operation.responses[status].content, `${name} ${status}`).toEqual({ 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } });
      }
    }
  });

  it('every $ref resolves within the document', () => {
    const refs: string[] = [];
    const walk = (node: unknown) => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          if (key === '$ref' && typeof value === 'string') refs.push(value);
          else walk(value);
        }
      }
    };
    walk(doc);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of new Set(refs)) {
      expect(ref, ref).toMatch(/^#\//);
      const target = ref
        .slice(2)
        .split('/')
        .reduce<any>((node, part) => node?.[part.replaceAll('~1', '/').replaceAll('~0', '~')], doc);
      expect(target, ref).toBeTypeOf('object');
    }
  });
});
