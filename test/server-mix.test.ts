// Synchronous mixes over real HTTP (a listening server and fetch): the audio as the body with its
// headline figures in headers, checked against an independent loudness meter (ffmpeg's ebur128);
// the JSON variant kept as a job with a keyless link; previews and output formats; a client that
// goes away aborting its render; and admission control turning the excess away at once.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAudio, writeAudio, type AudioData } from '../src/index.js';
import { synthesizeBeat } from '../src/demo/material.js';
import { until } from './fixtures/pool.js';
import { form, makeAudio, startTestServer, upload, type AudioFixtures, type TestServer } from './fixtures/server.js';

const run = promisify(execFile);
// Long enough that its full render takes many seconds (about 6× realtime here: ~15 s).
const LONG_BEAT_SECONDS = 100;
const TARGET_LUFS = -16;

let server: TestServer;
let audio: AudioFixtures;
let longBeat: string;
let scratch: string;
let vocalSeconds: number;
let uploads: { vocal: string; beat: string };

beforeAll(async () => {
  // Audio first: synthesising blocks the event loop this server shares, and a blocked loop is
  // what the server's overload guard answers 503 to.
  audio = await makeAudio(3);
  longBeat = join(audio.folder, 'long-beat.wav');
  writeAudio(longBeat, synthesizeBeat(LONG_BEAT_SECONDS), 44100, { sampleType: 'pcm16' });
  vocalSeconds = duration(await decodeAudio(audio.vocalWav));
  scratch = await mkdtemp(join(tmpdir(), 'mixchain-server-mix-'));
  // One worker and one waiting place: room for exactly two synchronous mixes.
  server = await startTestServer({ listen: true, workers: 1, syncQueue: 1 });
  await ready(server);
  uploads = { vocal: (await upload(server, audio.vocalM4a)).id, beat: (await upload(server, audio.beatWav)).id };
});

afterAll(async () => {
  await server?.close();
  audio?.remove();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** Waits until the server says it is ready (a worker is up, and the loop guard has calmed down). */
async function ready(target: TestServer): Promise<void> {
  const deadline = performance.now() + 30_000;
  while (!(await fetch(`${target.url}/readyz`)).ok) {
    if (performance.now() > deadline) throw new Error('Timed out waiting for /readyz');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const duration = (data: AudioData) => data.channels[0]!.length / data.sampleRate;

/** Decodes bytes the server sent, through a file named as `extension`. */
async function decodeBody(bytes: Uint8Array, extension: string): Promise<{ path: string; data: AudioData }> {
  const path = join(scratch, `${randomUUID()}.${extension}`);
  await writeFile(path, bytes);
  return { path, data: await decodeAudio(path) };
}

/** Integrated loudness and true peak as ffmpeg's EBU R128 meter reads the file. */
async function ebur128(path: string): Promise<{ lufs: number; truePeak: number }> {
  const { stderr } = await run('ffmpeg', ['-nostats', '-hide_banner', '-i', path, '-filter_complex', 'ebur128=peak=true', '-f', 'null', '-']);
  const summary = stderr.slice(stderr.lastIndexOf('Summary:'));
  const lufs = /I:\s+(-?[\d.]+) LUFS/.exec(summary);
  const peak = /True peak:\s+Peak:\s+(-?[\d.]+|-inf) dBFS/.exec(summary);
  if (!lufs || !peak) throw new Error(`No ebur128 summary in ffmpeg's output:\n${stderr.slice(-2000)}`);
  return { lufs: Number(lufs[1]), truePeak: Number(peak[1]) };
}

function mixJson(body: Record<string, unknown>, init: { accept?: string; signal?: AbortSignal } = {}): Promise<Response> {
  return fetch(`${server.url}/api/v1/mix`, {
    method: 'POST',
    headers: { ...server.auth(), 'content-type': 'application/json', ...(init.accept ? { accept: init.accept } : {}) },
    body: JSON.stringify(body),
    ...(init.signal ? { signal: init.signal } : {}),
  });
}

function numericHeader(response: Response, name: string): number {
  const text = response.headers.get(name);
  expect(text, name).toMatch(/^-?\d+(\.\d+)?$/);
  return Number(text);
}

describe('a synchronous mix', () => {
  it('answers the audio of an M4A vocal over a beat at the asked loudness, with its figures in headers', async () => {
    const body = await form({ vocal: audio.vocalM4a, beat: audio.beatWav }, { lufs: String(TARGET_LUFS) });
    const response = await fetch(`${server.url}/api/v1/mix`, { method: 'POST', headers: server.auth(), body });
    expect(response.status).toBe(200);
    const bytes = new Uint8Array(await response.arrayBuffer());

    expect(response.headers.get('content-type')).toBe('audio/wav');
    expect(Number(response.headers.get('content-length'))).toBe(bytes.byteLength);
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="mix\.wav"/);
    const lufs = numericHeader(response, 'mixchain-loudness-lufs');
    const truePeak = numericHeader(response, 'mixchain-true-peak-dbtp');
    expect(numericHeader(response, 'mixchain-render-ms')).toBeGreaterThan(0);

    const { path, data } = await decodeBody(bytes, 'wav');
    expect(data.channels).toHaveLength(2);
    expect(data.sampleRate).toBe(44100);
    // The whole take is in it: at least as long as the vocal and the beat.
    expect(duration(data)).toBeGreaterThanOrEqual(Math.max(vocalSeconds, 3) - 0.01);
    const measured = await ebur128(path);
    expect(Math.abs(measured.lufs - TARGET_LUFS)).toBeLessThanOrEqual(0.5);
    // The headers tell the truth about the body.
    expect(Math.abs(lufs - measured.lufs)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(truePeak - measured.truePeak)).toBeLessThanOrEqual(0.5);
  });

  it('keeps the mix as a completed job with Accept: application/json, behind a link that needs no key', async () => {
    const response = await mixJson({ ...uploads, lufs: TARGET_LUFS }, { accept: 'application/json' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const answer = (await response.json()) as { jobId: string; report: { master: { integratedLufs: number } }; result: { url: string; size: number; format: string } };
    expect(Object.keys(answer).sort()).toEqual(['jobId', 'report', 'result']);
    expect(answer.result.format).toBe('wav');
    expect(Math.abs(answer.report.master.integratedLufs - TARGET_LUFS)).toBeLessThanOrEqual(0.5);
    expect(answer.result.url.startsWith(`${server.url}/files/`)).toBe(true);

    const download = await fetch(answer.result.url);
    expect(download.status).toBe(200);
    const bytes = new Uint8Array(await download.arrayBuffer());
    expect(bytes.byteLength).toBe(answer.result.size);
    const { path } = await decodeBody(bytes, 'wav');
    expect(Math.abs((await ebur128(path)).lufs - TARGET_LUFS)).toBeLessThanOrEqual(0.5);

    const list = (await (await fetch(`${server.url}/api/v1/jobs`, { headers: server.auth() })).json()) as { items: Array<{ id: string; status: string; result: { size: number } | null }> };
    const job = list.items.find((item) => item.id === answer.jobId);
    expect(job?.status).toBe('completed');
    expect(job?.result?.size).toBe(answer.result.size);
  });

  it('renders a preview of exactly the asked duration', async () => {
    const response = await mixJson({ ...uploads, start: 1, duration: 2 });
    expect(response.status).toBe(200);
    const { data } = await decodeBody(new Uint8Array(await response.arrayBuffer()), 'wav');
    expect(data.channels[0]!.length).toBe(2 * 44100);
  });

  // Magic numbers of each container, so the bytes are what the Content-Type says.
  const FORMATS = [
    { format: 'mp3', type: 'audio/mpeg', sampleRate: 44100, magic: (b: Buffer) => b.subarray(0, 3).toString('latin1') === 'ID3' || (b[0] === 0xff && (b[1]! & 0xe0) === 0xe0) },
    { format: 'flac', type: 'audio/flac', sampleRate: 44100, magic: (b: Buffer) => b.subarray(0, 4).toString('latin1') === 'fLaC' },
    { format: 'opus', type: 'audio/ogg; codecs=opus', sampleRate: 48000, magic: (b: Buffer) => b.subarray(0, 4).toString('latin1') === 'OggS' && b.subarray(0, 64).includes('OpusHead') },
  ];
  it.each(FORMATS)('encodes a preview as $format', async ({ format, type, sampleRate, magic }) => {
    const response = await mixJson({ ...uploads, duration: 2, format });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(type);
    expect(response.headers.get('content-disposition')).toContain(`mix.${format}`);
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(magic(bytes)).toBe(true);
    const { data } = await decodeBody(bytes, format);
    expect(data.sampleRate).toBe(sampleRate);
    expect(data.channels).toHaveLength(2);
    // Lossy codecs pad to whole frames; lossless keeps every sample.
    if (format === 'flac') expect(data.channels[0]!.length).toBe(2 * sampleRate);
    else expect(Math.abs(duration(data) - 2)).toBeLessThan(0.1);
  });
});

describe('takes longer than MIXCHAIN_SYNC_MAX_SECONDS', () => {
  it('can be previewed, a section within the bound, but not mixed whole nor past the bound', async () => {
    const bounded = await startTestServer({ listen: true, workers: 1, syncMaxSeconds: 2 });
    try {
      await ready(bounded);
      expect(vocalSeconds).toBeGreaterThan(2);
      const vocal = (await upload(bounded, audio.vocalWav)).id;
      const post = (body: Record<string, unknown>) =>
        fetch(`${bounded.url}/api/v1/mix`, { method: 'POST', headers: { ...bounded.auth(), 'content-type': 'application/json' }, body: JSON.stringify({ vocal, ...body }) });
      const whole = await post({});
      expect(whole.status).toBe(413);
      expect(await whole.json()).toMatchObject({ code: 'ERR_AUDIO_TOO_LONG', detail: expect.stringMatching(/at most 2 s per track .*use POST \/api\/v1\/jobs/) });
      const tooLongSection = await post({ start: 0, duration: 3 });
      expect(tooLongSection.status).toBe(413);
      expect(await tooLongSection.json()).toMatchObject({ code: 'ERR_AUDIO_TOO_LONG', detail: expect.stringMatching(/preview of at most 2 s .*duration of 3 s/) });
      const section = await post({ start: 1, duration: 1.5 });
      expect(section.status).toBe(200);
      const { data } = await decodeBody(new Uint8Array(await section.arrayBuffer()), 'wav');
      expect(data.channels[0]!.length).toBe(1.5 * 44100);
    } finally {
      await bounded.close();
    }
  });
});

describe('a client that disconnects', () => {
  it('aborts its render at once', async () => {
    const beat = (await upload(server, longBeat)).id;
    const pool = server.app.services.pool!;
    const before = pool.stats();
    const controller = new AbortController();
    const answer = mixJson({ vocal: uploads.vocal, beat }, { signal: controller.signal }).catch((error: unknown) => error);
    await until(() => pool.stats().inFlight > 0, 'the render to start');
    const aborted = performance.now();
    controller.abort();
    expect(((await answer) as Error).name).toBe('AbortError');
    await until(() => pool.stats().inFlight === 0, 'the render to stop', 30_000);
    const stoppedMs = performance.now() - aborted;

    const after = pool.stats();
    // It failed as aborted rather than finishing, and long before a full render would have.
    expect(after.failed.ERR_ABORTED ?? 0).toBe((before.failed.ERR_ABORTED ?? 0) + 1);
    expect(after.completed).toBe(before.completed);
    expect(stoppedMs).toBeLessThan(5000);
  });
});

describe('admission', () => {
  it('refuses mixes past the workers and the sync queue at once with 503, and renders the rest', async () => {
    const capacity = 2;
    const attempts = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const started = performance.now();
        const response = await mixJson({ ...uploads, duration: 2 });
        const latencyMs = performance.now() - started;
        return { response, latencyMs, bytes: new Uint8Array(await response.arrayBuffer()) };
      }),
    );
    expect(attempts.every(({ response }) => response.status === 200 || response.status === 503)).toBe(true);
    const accepted = attempts.filter(({ response }) => response.status === 200);
    const refused = attempts.filter(({ response }) => response.status === 503);
    expect(accepted).toHaveLength(capacity);
    expect(refused).toHaveLength(6 - capacity);

    for (const { bytes } of accepted) {
      const { data } = await decodeBody(bytes, 'wav');
      expect(data.channels[0]!.length).toBe(2 * 44100);
    }
    const fastestRenderMs = Math.min(...accepted.map(({ response }) => numericHeader(response, 'mixchain-render-ms')));
    for (const { response, latencyMs, bytes } of refused) {
      expect(response.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const problem = JSON.parse(Buffer.from(bytes).toString()) as { status: number; code: string; detail: string };
      expect(problem).toMatchObject({ status: 503, code: 'ERR_OVERLOADED' });
      // Turned away by admission control (not by the event-loop guard), without waiting.
      expect(problem.detail).toContain('MIXCHAIN_SYNC_QUEUE');
      expect(latencyMs).toBeLessThan(fastestRenderMs / 2);
    }
  });
});
