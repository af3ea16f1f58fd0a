// Hostile input against the service: every case is refused with a problem+json 4xx that names
// what was expected, and leaves nothing behind (no upload row, no job, no file in the scratch
// folder or in storage). Most cases go through inject; what only a real socket can do (huge
// headers, a body cut mid-file, a stream past the size limit) goes over loopback.
import { EventEmitter, once } from 'node:events';
import { readFile, readdir } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { probeAudio } from '../src/audio/probe.js';
import { makeAudio, startTestServer, type AudioFixtures, type TestServer } from './fixtures/server.js';
import { wavHeader } from './helpers.js';

// ---------------------------------------------------------------------------------------------
// Helpers: hand-built multipart bodies, the answer as one shape, and the "nothing stored" check.

interface Part {
  name: string;
  /** Present: a file part. */
  filename?: string;
  /** The part's Content-Type (a file's defaults to application/octet-stream). */
  type?: string;
  body: string | Buffer;
}

const BOUNDARY = '----hostile-boundary-7d1f';

function partHead(part: Part): string {
  const disposition = `form-data; name="${part.name}"${part.filename !== undefined ? `; filename="${part.filename}"` : ''}`;
  const type = part.type ?? (part.filename !== undefined ? 'application/octet-stream' : undefined);
  return `--${BOUNDARY}\r\nContent-Disposition: ${disposition}\r\n${type ? `Content-Type: ${type}\r\n` : ''}\r\n`;
}

function multipart(parts: Part[], { close = true } = {}): { payload: Buffer; headers: Record<string, string> } {
  const chunks = parts.flatMap((part) => [Buffer.from(partHead(part)), Buffer.from(part.body), Buffer.from('\r\n')]);
  if (close) chunks.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` } };
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
}

interface Expected {
  status: number;
  code: string;
  /** The detail must say what was expected. */
  detail: RegExp;
  /** A path that `errors[]` must name. */
  path?: string;
}

function expectProblem(answer: Answer, expected: Expected): void {
  expect(answer.status, answer.body.slice(0, 300)).toBe(expected.status);
  expect(String(answer.headers['content-type'])).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(answer.body) as { type: string; title: string; status: number; detail: string; code: string; errors?: Array<{ path: string }> };
  expect(body).toMatchObject({ status: expected.status, code: expected.code, type: expect.stringContaining(expected.code), title: expect.any(String) });
  expect(body.detail).toMatch(expected.detail);
  if (expected.path) expect(body.errors?.map((e) => e.path)).toContain(expected.path);
}

interface Stored {
  uploads: number;
  jobs: Record<string, number>;
  incoming: string[];
  files: string[];
}

/** What the server holds: upload rows, jobs by status, scratch files and stored files. */
async function stored(server: TestServer): Promise<Stored> {
  const list = async (dir: string) => (await readdir(join(server.dataDir, dir), { recursive: true })).sort();
  return {
    uploads: await server.app.services.uploads.count(),
    jobs: { ...(await server.app.services.queue.counts()) },
    incoming: await list('incoming'),
    files: await list('files'),
  };
}

/** Sends a hostile request; expects the problem and that nothing was stored by it. */
async function refused(server: TestServer, send: () => Promise<Answer>, expected: Expected): Promise<Answer> {
  const before = await stored(server);
  const answer = await send();
  expectProblem(answer, expected);
  expect(await stored(server)).toEqual(before);
  return answer;
}

type InjectOptions = Parameters<TestServer['app']['inject']>[0] & object;

async function inject(server: TestServer, options: InjectOptions): Promise<Answer> {
  const response = await server.app.inject(options);
  return { status: response.statusCode, headers: response.headers, body: response.body };
}

/** Parses a raw HTTP/1.1 response read off a socket. */
function parseRaw(raw: string): Answer {
  const [head = '', ...rest] = raw.split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Answer['headers'] = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') };
}

/** Writes raw bytes on a fresh connection, half-closes or destroys it, and resolves with all it read once it closes. */
async function rawExchange(port: number, chunks: Array<string | Buffer>, finish: 'end' | 'destroy' | 'wait'): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const received: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => received.push(chunk));
  const closed = once(socket, 'close');
  for (const chunk of chunks) if (!socket.write(chunk)) await once(socket, 'drain');
  if (finish === 'end') socket.end();
  if (finish === 'destroy') socket.destroy();
  await closed;
  return Buffer.concat(received).toString('latin1');
}

/** The server's log lines, so a test can wait until the server is done with a request it cannot answer. */
class LogWatch extends EventEmitter {
  readonly stream = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) this.emit('line', JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });

  /** Resolves with the next line that matches. */
  next(match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    return new Promise((resolve) => {
      const listener = (line: Record<string, unknown>) => {
        if (!match(line)) return;
        this.off('line', listener);
        resolve(line);
      };
      this.on('line', listener);
    });
  }
}

// A 1×1 PNG: a real image, sent as if it were a WAV.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

/** A WAV header that promises `frames` of 16-bit mono at 22.05 kHz, followed by `present` bytes of silence. */
function promisedWav(frames: number, present: number): Buffer {
  return Buffer.concat([wavHeader(frames * 2, 22050, 1), Buffer.alloc(present)]);
}

// ---------------------------------------------------------------------------------------------

let audio: AudioFixtures;
let vocalWav: Buffer;
let vocalM4a: Buffer;
/** Renders synchronous mixes (one worker), takes 1 MB per file, listens for the socket cases. */
let main: TestServer;
const mainLog = new LogWatch();
/** Renders nothing (no workers), so its jobs stay queued until cancelled. */
let jobsServer: TestServer;
/** Takes 3 requests a minute per key. */
let limited: TestServer;
/** An upload of main's key, for the JSON cases. */
let vocalId: string;

const auth = (server: TestServer = main, key?: string) => server.auth(key);
const wavPart = (name = 'file'): Part => ({ name, filename: 'vocal.wav', type: 'audio/wav', body: vocalWav });

async function uploadInject(server: TestServer, key?: string): Promise<string> {
  const body = multipart([wavPart()]);
  const response = await server.app.inject({ method: 'POST', url: '/api/v1/uploads/media', headers: { ...body.headers, ...server.auth(key) }, payload: body.payload });
  expect(response.statusCode).toBe(201);
  return response.json<{ id: string }>().id;
}

/**
 * The servers run in this process, and their overload guard (under-pressure) answers 503 for the
 * second after a stall of the event loop, judged on a sample it takes once a second. The slow
 * synchronous first steps (making the audio, loading the addon with a first probe, starting the
 * servers) come first; then this waits until each guard has taken two samples (the first may
 * still cover a stall) and reports no pressure.
 */
async function settled(...servers: TestServer[]): Promise<void> {
  await Promise.all(
    servers.map((server) => {
      const samples = [server.app.memoryUsage().heapUsed];
      return vi.waitFor(
        () => {
          const heapUsed = server.app.memoryUsage().heapUsed;
          if (heapUsed !== samples.at(-1)) samples.push(heapUsed);
          expect(samples.length).toBeGreaterThanOrEqual(3);
          expect(server.app.isUnderPressure()).toBe(false);
        },
        { timeout: 10_000, interval: 50 },
      );
    }),
  );
}

beforeAll(async () => {
  audio = await makeAudio(2);
  [vocalWav, vocalM4a] = await Promise.all([readFile(audio.vocalWav), readFile(audio.vocalM4a)]);
  await probeAudio(audio.vocalWav, 60);
  main = await startTestServer({ listen: true, workers: 1, maxUploadMb: 1, logger: { level: 'info', stream: mainLog.stream } });
  jobsServer = await startTestServer({ workers: 0 });
  limited = await startTestServer({ workers: 0, rateLimit: 3 });
  await settled(main, jobsServer, limited);
  vocalId = await uploadInject(main);
});

afterAll(async () => {
  await Promise.all([main?.close(), jobsServer?.close(), limited?.close()]);
  audio?.remove();
});

describe('keys', () => {
  it.each([
    ['no key', {}, /Expected an API key in Authorization: Bearer/],
    ['a key that is not one', { authorization: 'Bearer mck_notarealkeyatall' }, /Expected a valid, unrevoked API key/],
    ['a key without the mck_ prefix', { authorization: 'Bearer abc' }, /Expected a valid, unrevoked API key/],
    ['another scheme', { authorization: 'Basic dXNlcjpwYXNz' }, /Expected a valid, unrevoked API key/],
  ])('refuses an upload with %s: 401', async (_name, headers, detail) => {
    const body = multipart([wavPart()]);
    const answer = await refused(main, () => inject(main, { method: 'POST', url: '/api/v1/uploads/media', headers: { ...body.headers, ...headers }, payload: body.payload }), { status: 401, code: 'ERR_UNAUTHORIZED', detail });
    expect(answer.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it('refuses a revoked key at once: 401', async () => {
    const revoked = await main.newKey('revoked');
    expect(await main.app.services.keys.revoke(revoked.id)).toBe(true);
    const body = multipart([wavPart()]);
    await refused(main, () => inject(main, { method: 'POST', url: '/api/v1/uploads/media', headers: { ...body.headers, ...auth(main, revoked.key) }, payload: body.payload }), {
      status: 401,
      code: 'ERR_UNAUTHORIZED',
      detail: /Expected a valid, unrevoked API key/,
    });
  });
});

describe('uploads', () => {
  const post = (parts: Part[], options: { close?: boolean } = {}) => {
    const body = multipart(parts, options);
    return () => inject(main, { method: 'POST', url: '/api/v1/uploads/media', headers: { ...body.headers, ...auth() }, payload: body.payload });
  };

  it.each<[string, () => Part[], Expected]>([
    ['a PNG named vocal.wav, declared audio/wav', () => [{ name: 'file', filename: 'vocal.wav', type: 'audio/wav', body: PNG }], { status: 415, code: 'ERR_NOT_AUDIO', detail: /Expected an audio file .* but the content is image\/png/ }],
    ['text named vocal.wav, declared audio/wav', () => [{ name: 'file', filename: 'vocal.wav', type: 'audio/wav', body: 'hello, this is not audio\n'.repeat(40) }], { status: 415, code: 'ERR_NOT_AUDIO', detail: /Expected an audio file/ }],
    ['a WAV whose header promises more data than it holds', () => [{ name: 'file', filename: 'vocal.wav', type: 'audio/wav', body: vocalWav.subarray(0, vocalWav.length >> 1) }], { status: 422, code: 'ERR_AUDIO_TRUNCATED', detail: /Expected \d+ (bytes|frames)/ }],
    ['a hand-made WAV header over a fraction of its data', () => [{ name: 'file', filename: 'x.wav', body: promisedWav(22050, 1000) }], { status: 422, code: 'ERR_AUDIO_TRUNCATED', detail: /Expected \d+ (bytes|frames)/ }],
    ['an M4A cut in half', () => [{ name: 'file', filename: 'vocal.m4a', type: 'audio/mp4', body: vocalM4a.subarray(0, vocalM4a.length >> 1) }], { status: 422, code: 'ERR_AUDIO_DECODE', detail: /Expected audio that decodes to the end/ }],
    ['an empty file', () => [{ name: 'file', filename: 'vocal.wav', type: 'audio/wav', body: '' }], { status: 422, code: 'ERR_EMPTY_INPUT', detail: /Expected .*audio.* empty/ }],
    ['a WAV of no frames', () => [{ name: 'file', filename: 'vocal.wav', type: 'audio/wav', body: promisedWav(0, 0) }], { status: 422, code: 'ERR_EMPTY_INPUT', detail: /Expected audio/ }],
    ['a 10 kB filename', () => [{ ...wavPart(), filename: `${'a'.repeat(10_000)}.wav` }], { status: 400, code: 'ERR_FILENAME', detail: /Expected a filename of at most 255 bytes/ }],
    ['the file in the wrong field', () => [wavPart('audio')], { status: 400, code: 'ERR_VALIDATION', detail: /Expected the file in field `file` but it came in `audio`/, path: '/file' }],
    ['two files', () => [wavPart(), wavPart()], { status: 413, code: 'ERR_TOO_MANY_PARTS', detail: /Expected one file in field `file` and no other part/ }],
    ['a text field before the file', () => [{ name: 'note', body: 'hi' }, wavPart()], { status: 413, code: 'ERR_TOO_MANY_PARTS', detail: /Expected one file in field `file` and no other part/ }],
    ['a text field after the file', () => [wavPart(), { name: 'note', body: 'hi' }], { status: 413, code: 'ERR_TOO_MANY_PARTS', detail: /Expected one file in field `file` and no other part/ }],
    ['many text fields and no file', () => Array.from({ length: 50 }, (_, i) => ({ name: `f${i}`, body: 'x' })), { status: 413, code: 'ERR_TOO_MANY_PARTS', detail: /Expected one file in field `file` and no other part/ }],
    ['a file over MIXCHAIN_MAX_UPLOAD_MB', () => [{ ...wavPart(), body: Buffer.alloc(1024 * 1024 + 1) }], { status: 413, code: 'ERR_UPLOAD_TOO_LARGE', detail: /Expected a file of at most 1 MB/ }],
    ['no part at all', () => [], { status: 400, code: 'ERR_VALIDATION', detail: /Expected a file in multipart field `file`/, path: '/file' }],
  ])('refuses %s', async (_name, parts, expected) => {
    await refused(main, post(parts()), expected);
  });

  it('refuses a multipart body that ends mid-file: 400', async () => {
    const body = multipart([wavPart()], { close: false });
    await refused(main, () => inject(main, { method: 'POST', url: '/api/v1/uploads/media', headers: { ...body.headers, ...auth() }, payload: body.payload.subarray(0, body.payload.length >> 1) }), {
      status: 400,
      code: 'ERR_MULTIPART',
      detail: /Expected a complete multipart body/,
    });
  });

  it.each([
    ['application/json', '{"file":"vocal.wav"}'],
    ['audio/wav', 'RIFF'],
    ['text/plain', 'vocal.wav'],
  ])('refuses a %s body: 415', async (type, payload) => {
    await refused(main, () => inject(main, { method: 'POST', url: '/api/v1/uploads/media', headers: { 'content-type': type, ...auth() }, payload }), {
      status: 415,
      code: 'ERR_UNSUPPORTED_MEDIA_TYPE',
      detail: /Expected a (multipart\/form-data body|body of a type this route takes)/,
    });
  });

  it('refuses multipart/form-data without a boundary: 400', async () => {
    await refused(main, () => inject(main, { method: 'POST', url: '/api/v1/uploads/media', headers: { 'content-type': 'multipart/form-data', ...auth() }, payload: 'x' }), {
      status: 400,
      code: 'ERR_MULTIPART',
      detail: /Expected a complete multipart body: .*Boundary not found/,
    });
  });

  it('refuses an upload id over 64 characters: 400 naming the parameter', async () => {
    await refused(main, () => inject(main, { method: 'GET', url: `/api/v1/uploads/${'a'.repeat(65)}`, headers: auth() }), { status: 400, code: 'ERR_VALIDATION', detail: /Expected a valid params/, path: 'params:/id' });
  });
});

describe('synchronous mixes (multipart)', () => {
  const post = (parts: Part[]) => {
    const body = multipart(parts);
    return () => inject(main, { method: 'POST', url: '/api/v1/mix', headers: { ...body.headers, ...auth() }, payload: body.payload });
  };
  const vocal = (): Part => wavPart('vocal');
  const field = (name: string, body: string): Part => ({ name, body });

  it.each<[string, () => Part[], Expected]>([
    ['a file in an unknown field', () => [vocal(), { ...wavPart('voice') }], { status: 400, code: 'ERR_VALIDATION', detail: /Expected files in fields vocal, beat and extra but got one in 'voice'/, path: '/voice' }],
    ['two vocals', () => [vocal(), vocal()], { status: 400, code: 'ERR_VALIDATION', detail: /Expected one file in field vocal .* but got 2/, path: '/vocal' }],
    ['no vocal', () => [wavPart('beat')], { status: 400, code: 'ERR_VALIDATION', detail: /Expected one file in field vocal .* but got 0/, path: '/vocal' }],
    ['an unknown option', () => [vocal(), field('loudness', '-14')], { status: 400, code: 'ERR_VALIDATION', detail: /Expected valid mix options/, path: '/loudness' }],
    ['duration NaN', () => [vocal(), field('duration', 'NaN')], { status: 400, code: 'ERR_VALIDATION', detail: /Expected valid mix options/, path: '/duration' }],
    ['duration -5', () => [vocal(), field('duration', '-5')], { status: 400, code: 'ERR_VALIDATION', detail: /Expected valid mix options/, path: '/duration' }],
    ['lufs 5', () => [vocal(), field('lufs', '5')], { status: 400, code: 'ERR_VALIDATION', detail: /Expected valid mix options/, path: '/lufs' }],
    ['sampleRate 1000', () => [vocal(), field('sampleRate', '1000')], { status: 400, code: 'ERR_VALIDATION', detail: /Expected valid mix options/, path: '/sampleRate' }],
    ['a boolean that is not one', () => [vocal(), field('doubler', 'maybe')], { status: 400, code: 'ERR_VALIDATION', detail: /Expected valid mix options/, path: '/doubler' }],
    ['a repeated field', () => [vocal(), field('lufs', '-14'), field('lufs', '-16')], { status: 400, code: 'ERR_VALIDATION', detail: /Expected field 'lufs' once/, path: '/lufs' }],
    ['a recipe with ../', () => [vocal(), field('recipe', '../../etc/passwd')], { status: 400, code: 'ERR_VALIDATION', detail: /Expected valid mix options/, path: '/recipe' }],
    ['a recipe the server does not have', () => [vocal(), field('recipe', 'no-such-recipe')], { status: 400, code: 'ERR_RECIPE_NOT_FOUND', detail: /Expected a recipe of this server/, path: '/recipe' }],
    ['opus at 44.1 kHz', () => [vocal(), field('format', 'opus'), field('sampleRate', '44100')], { status: 400, code: 'ERR_VALIDATION', detail: /Expected a sampleRate of .* for opus/, path: '/sampleRate' }],
    ['a PNG as the vocal', () => [{ name: 'vocal', filename: 'vocal.wav', type: 'audio/wav', body: PNG }], { status: 415, code: 'ERR_NOT_AUDIO', detail: /Expected an audio file/ }],
    ['a truncated WAV as the beat', () => [vocal(), { name: 'beat', filename: 'beat.wav', type: 'audio/wav', body: vocalWav.subarray(0, vocalWav.length >> 1) }], { status: 422, code: 'ERR_AUDIO_TRUNCATED', detail: /Expected \d+ (bytes|frames)/ }],
    ['too many fields', () => [vocal(), ...Array.from({ length: 25 }, (_, i) => field(`f${i}`, 'x'))], { status: 413, code: 'ERR_TOO_MANY_PARTS', detail: /Expected at most 10 files \(vocal, beat, 8 extra\) and 20 option fields/ }],
    ['too many files', () => [vocal(), ...Array.from({ length: 12 }, (_, i) => ({ name: 'extra', filename: `e${i}.wav`, body: 'x' }))], { status: 413, code: 'ERR_TOO_MANY_PARTS', detail: /Expected at most 10 files \(vocal, beat, 8 extra\) and 20 option fields/ }],
    ['a vocal over MIXCHAIN_MAX_UPLOAD_MB', () => [{ ...vocal(), body: Buffer.alloc(1024 * 1024 + 1) }], { status: 413, code: 'ERR_UPLOAD_TOO_LARGE', detail: /Expected a file of at most 1 MB .* in field 'vocal'/ }],
    ['a field named after a prototype property', () => [vocal(), field('constructor', 'x')], { status: 400, code: 'ERR_MULTIPART', detail: /Expected multipart field names that are not JavaScript prototype properties/ }],
    ['a field declared JSON that is not', () => [vocal(), { name: 'lufs', type: 'application/json', body: '{-14' }], { status: 400, code: 'ERR_MULTIPART', detail: /Expected valid JSON in a multipart field/ }],
    ['a 10 kB filename', () => [{ ...vocal(), filename: `${'b'.repeat(10_000)}.wav` }], { status: 400, code: 'ERR_FILENAME', detail: /Expected a filename of at most 255 bytes/ }],
  ])('refuses %s', async (_name, parts, expected) => {
    await refused(main, post(parts()), expected);
  });

  it.each(['text/plain', 'application/xml', 'application/x-www-form-urlencoded'])('refuses a %s body: 415', async (type) => {
    await refused(main, () => inject(main, { method: 'POST', url: '/api/v1/mix', headers: { 'content-type': type, ...auth() }, payload: 'vocal=abc' }), {
      status: 415,
      code: 'ERR_UNSUPPORTED_MEDIA_TYPE',
      detail: /Expected .*(multipart\/form-data|application\/json)/,
    });
  });
});

describe('synchronous mixes and jobs (JSON)', () => {
  const postJson = (url: string, body: unknown, headers: Record<string, string> = {}) => () =>
    inject(main, { method: 'POST', url, headers: { 'content-type': 'application/json', ...auth(), ...headers }, payload: typeof body === 'string' ? body : JSON.stringify(body) });
  const invalid = (path: string): Expected => ({ status: 400, code: 'ERR_VALIDATION', detail: /Expected a (JSON body|valid body)/, path });

  // Each case against both routes: the same options, the same answers.
  const cases: Array<[string, () => unknown, Expected]> = [
    ['malformed JSON', () => '{"vocal": "abc", ', { status: 400, code: 'ERR_MALFORMED_REQUEST', detail: /Expected a body of valid JSON/ }],
    ['an empty JSON body', () => '', { status: 400, code: 'ERR_MALFORMED_REQUEST', detail: /Expected a body of JSON, .* but it is empty/ }],
    ['an unknown option', () => ({ vocal: vocalId, loudness: -14 }), invalid('/loudness')],
    ['lufs 5', () => ({ vocal: vocalId, lufs: 5 }), invalid('/lufs')],
    ['vocalGainDb 100', () => ({ vocal: vocalId, vocalGainDb: 100 }), invalid('/vocalGainDb')],
    ['sampleRate 1000', () => ({ vocal: vocalId, sampleRate: 1000 }), invalid('/sampleRate')],
    ['duration 0', () => ({ vocal: vocalId, duration: 0 }), invalid('/duration')],
    ['duration -5', () => ({ vocal: vocalId, duration: -5 }), invalid('/duration')],
    ['start -1', () => ({ vocal: vocalId, start: -1 }), invalid('/start')],
    ['a vocal id that is a number', () => ({ vocal: 123 }), invalid('/vocal')],
    ['a boolean that is a string', () => ({ vocal: vocalId, doubler: 'yes' }), invalid('/doubler')],
    ['lufs that is a boolean', () => ({ vocal: vocalId, lufs: true }), invalid('/lufs')],
    ['extras that is not a list', () => ({ vocal: vocalId, extras: vocalId }), invalid('/extras')],
    ['an unknown format', () => ({ vocal: vocalId, format: 'exe' }), invalid('/format')],
    ['a JSON array', () => [vocalId], invalid('/')],
    ['a recipe with ../', () => ({ vocal: vocalId, recipe: '../../etc/passwd' }), invalid('/recipe')],
    ['a recipe the server does not have', () => ({ vocal: vocalId, recipe: 'no-such-recipe' }), { status: 400, code: 'ERR_RECIPE_NOT_FOUND', detail: /Expected a recipe of this server/, path: '/recipe' }],
    ['opus at 44.1 kHz', () => ({ vocal: vocalId, format: 'opus', sampleRate: 44100 }), { status: 400, code: 'ERR_VALIDATION', detail: /Expected a sampleRate of .* for opus/, path: '/sampleRate' }],
    ['float samples in mp3', () => ({ vocal: vocalId, format: 'mp3', sampleType: 'float' }), { status: 400, code: 'ERR_VALIDATION', detail: /Expected sampleType pcm16 or pcm24/, path: '/sampleType' }],
    ['an upload id that does not exist', () => ({ vocal: '00000000-0000-4000-8000-000000000000' }), { status: 404, code: 'ERR_UPLOAD_NOT_FOUND', detail: /Expected an upload of this key with id '00000000-/ }],
    ['a beat id that does not exist', () => ({ vocal: vocalId, beat: 'nope' }), { status: 404, code: 'ERR_UPLOAD_NOT_FOUND', detail: /Expected an upload of this key with id 'nope'/ }],
  ];

  it.each(cases)('POST /mix refuses %s', async (_name, body, expected) => {
    await refused(main, postJson('/api/v1/mix', body()), expected);
  });

  it.each(cases)('POST /jobs refuses %s', async (_name, body, expected) => {
    await refused(main, postJson('/api/v1/jobs', body()), expected);
  });

  it.each([
    ['a webhookUrl that is not a URL', { webhookUrl: 'not a url' }, '/webhookUrl'],
    ['forward that is not a boolean', { forward: 'yes' }, '/forward'],
  ])('POST /jobs refuses %s', async (_name, extra, path) => {
    await refused(main, postJson('/api/v1/jobs', { vocal: vocalId, ...extra }), invalid(path));
  });

  it('POST /jobs refuses an Idempotency-Key over 255 characters', async () => {
    await refused(main, postJson('/api/v1/jobs', { vocal: vocalId }, { 'idempotency-key': 'k'.repeat(256) }), { status: 400, code: 'ERR_VALIDATION', detail: /Expected a valid headers/, path: 'headers:/idempotency-key' });
  });

  it('refuses a JSON body over the body limit: 413', async () => {
    await refused(main, postJson('/api/v1/mix', { vocal: vocalId, pad: 'x'.repeat(1_100_000) }), { status: 413, code: 'ERR_BODY_TOO_LARGE', detail: /Expected a request body of at most 1 MB/ });
  });

  it.each(['application/xml', 'text/plain'])('POST /jobs refuses an %s body: 415', async (type) => {
    await refused(main, () => inject(main, { method: 'POST', url: '/api/v1/jobs', headers: { 'content-type': type, ...auth() }, payload: `vocal=${vocalId}` }), {
      status: 415,
      code: 'ERR_UNSUPPORTED_MEDIA_TYPE',
      detail: /Expected a body of a type this route takes/,
    });
  });
});

describe('listing jobs', () => {
  it.each([
    ['limit=0', 'querystring:/limit'],
    ['limit=1000', 'querystring:/limit'],
    ['limit=ten', 'querystring:/limit'],
    ['status=done', 'querystring:/status'],
    ['sort=asc', 'querystring:/sort'],
  ])('refuses ?%s: 400 naming the parameter', async (query, path) => {
    await refused(main, () => inject(main, { method: 'GET', url: `/api/v1/jobs?${query}`, headers: auth() }), { status: 400, code: 'ERR_VALIDATION', detail: /Expected a valid querystring/, path });
  });

  it.each(['not-a-cursor', 'eyJ4IjoxfQ', '%00%01'])('refuses the cursor %s: 400', async (cursor) => {
    await refused(main, () => inject(main, { method: 'GET', url: `/api/v1/jobs?cursor=${cursor}`, headers: auth() }), { status: 400, code: 'ERR_INVALID_CURSOR', detail: /Expected the nextCursor of a previous page/ });
  });
});

describe("another key's resources, and finished jobs", () => {
  let owner: { key: string; id: string };
  let stranger: { key: string; id: string };
  let uploadId: string;
  let jobId: string;

  beforeAll(async () => {
    owner = await jobsServer.newKey('owner');
    stranger = await jobsServer.newKey('stranger');
    uploadId = await uploadInject(jobsServer, owner.key);
    const submitted = await jobsServer.app.inject({ method: 'POST', url: '/api/v1/jobs', headers: jobsServer.auth(owner.key), payload: { vocal: uploadId } });
    expect(submitted.statusCode).toBe(202);
    jobId = submitted.json<{ id: string }>().id;
  });

  const asStranger = (method: 'GET' | 'DELETE' | 'POST', url: string) => () => inject(jobsServer, { method, url, headers: jobsServer.auth(stranger.key) });

  it.each<[string, 'GET' | 'DELETE' | 'POST', (ids: { upload: string; job: string }) => string, string]>([
    ['GET an upload', 'GET', (ids) => `/api/v1/uploads/${ids.upload}`, 'ERR_UPLOAD_NOT_FOUND'],
    ['DELETE an upload', 'DELETE', (ids) => `/api/v1/uploads/${ids.upload}`, 'ERR_UPLOAD_NOT_FOUND'],
    ['GET a job', 'GET', (ids) => `/api/v1/jobs/${ids.job}`, 'ERR_JOB_NOT_FOUND'],
    ['cancel a job', 'POST', (ids) => `/api/v1/jobs/${ids.job}/cancel`, 'ERR_JOB_NOT_FOUND'],
    ['DELETE a job', 'DELETE', (ids) => `/api/v1/jobs/${ids.job}`, 'ERR_JOB_NOT_FOUND'],
    ["follow a job's events", 'GET', (ids) => `/api/v1/jobs/${ids.job}/events`, 'ERR_JOB_NOT_FOUND'],
    ["GET a job's result", 'GET', (ids) => `/api/v1/jobs/${ids.job}/result`, 'ERR_JOB_NOT_FOUND'],
  ])("another key may not %s: 404", async (_name, method, url, code) => {
    await refused(jobsServer, asStranger(method, url({ upload: uploadId, job: jobId })), { status: 404, code, detail: /Expected an? (upload|job) of this key with id/ });
  });

  it("another key may not mix or queue the owner's upload: 404", async () => {
    await refused(jobsServer, () => inject(jobsServer, { method: 'POST', url: '/api/v1/jobs', headers: jobsServer.auth(stranger.key), payload: { vocal: uploadId } }), {
      status: 404,
      code: 'ERR_UPLOAD_NOT_FOUND',
      detail: /Expected an upload of this key with id/,
    });
  });

  it('refuses a Last-Event-ID that is not an event id: 400', async () => {
    await refused(jobsServer, () => inject(jobsServer, { method: 'GET', url: `/api/v1/jobs/${jobId}/events`, headers: { ...jobsServer.auth(owner.key), 'last-event-id': 'abc' } }), {
      status: 400,
      code: 'ERR_VALIDATION',
      detail: /Expected a valid headers/,
      path: 'headers:/last-event-id',
    });
  });

  it('refuses ?format= that is not an output format: 400', async () => {
    await refused(jobsServer, () => inject(jobsServer, { method: 'GET', url: `/api/v1/jobs/${jobId}/result?format=exe`, headers: jobsServer.auth(owner.key) }), {
      status: 400,
      code: 'ERR_VALIDATION',
      detail: /Expected a valid querystring/,
      path: 'querystring:/format',
    });
  });

  it('refuses the same Idempotency-Key with another body: 422', async () => {
    const headers = { ...jobsServer.auth(owner.key), 'idempotency-key': 'hostile-replay' };
    const first = await jobsServer.app.inject({ method: 'POST', url: '/api/v1/jobs', headers, payload: { vocal: uploadId } });
    expect(first.statusCode).toBe(202);
    await refused(jobsServer, () => inject(jobsServer, { method: 'POST', url: '/api/v1/jobs', headers, payload: { vocal: uploadId, lufs: -16 } }), {
      status: 422,
      code: 'ERR_IDEMPOTENCY_MISMATCH',
      detail: /Expected the request of job .* again for idempotency key/,
    });
  });

  it('refuses to cancel a finished job (409), and its result is not there (409)', async () => {
    const cancelled = await jobsServer.app.inject({ method: 'POST', url: `/api/v1/jobs/${jobId}/cancel`, headers: jobsServer.auth(owner.key) });
    expect(cancelled.json()).toMatchObject({ status: 'cancelled' });
    await refused(jobsServer, () => inject(jobsServer, { method: 'POST', url: `/api/v1/jobs/${jobId}/cancel`, headers: jobsServer.auth(owner.key) }), {
      status: 409,
      code: 'ERR_JOB_FINISHED',
      detail: /Expected a queued or processing job but job .* is cancelled/,
    });
    await refused(jobsServer, () => inject(jobsServer, { method: 'GET', url: `/api/v1/jobs/${jobId}/result`, headers: jobsServer.auth(owner.key) }), {
      status: 409,
      code: 'ERR_JOB_NOT_FINISHED',
      detail: /Expected a completed job but job .* is cancelled/,
    });
  });
});

describe('routes and signed links', () => {
  it.each(['/api/v1/nope', '/api/v2/jobs', '/etc/passwd'])('answers an unknown route %s with a 404 problem', async (url) => {
    await refused(main, () => inject(main, { method: 'GET', url, headers: auth() }), { status: 404, code: 'ERR_NOT_FOUND', detail: /There is no route GET/ });
  });

  it('answers a method a route does not have with a 404 problem', async () => {
    await refused(main, () => inject(main, { method: 'PUT', url: '/api/v1/mix', headers: auth() }), { status: 404, code: 'ERR_NOT_FOUND', detail: /There is no route PUT \/api\/v1\/mix/ });
  });

  it.each<[string, (real: string) => string]>([
    ['a path out of the folder', () => '..%2F..%2Flink-secret'],
    ['a token without a signature', () => 'abc'],
    ['a token with a forged signature', (real) => `${real.split('.')[0]}.${'A'.repeat(43)}`],
    ['another payload under a real signature', (real) => `${Buffer.from(JSON.stringify(['../link-secret', 'x', 4_000_000_000])).toString('base64url')}.${real.split('.')[1]}`],
    ['a token with an extra segment', (real) => `${real}.x`],
  ])('refuses /files/ with %s: 404', async (_name, token) => {
    const upload = await main.app.inject({ method: 'GET', url: `/api/v1/uploads/${vocalId}`, headers: auth() });
    const real = new URL(upload.json<{ url: string }>().url, 'http://x').pathname.split('/').pop()!;
    await refused(main, () => inject(main, { method: 'GET', url: `/files/${token(real)}` }), { status: 404, code: 'ERR_NOT_FOUND', detail: /Expected a valid, unexpired file link/ });
  });
});

describe('over a real socket', () => {
  const port = () => Number(new URL(main.url).port);
  const uploadHead = (length: number | null) =>
    `POST /api/v1/uploads/media HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${main.key}\r\nContent-Type: multipart/form-data; boundary=${BOUNDARY}\r\n${length === null ? 'Transfer-Encoding: chunked' : `Content-Length: ${length}`}\r\n\r\n`;

  it('answers 64 kB of headers with 431 problem+json', async () => {
    const raw = await rawExchange(port(), [`GET /api/v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Filler: ${'a'.repeat(64 * 1024)}\r\n\r\n`], 'wait');
    await refused(main, async () => parseRaw(raw), { status: 431, code: 'ERR_HEADERS_TOO_LARGE', detail: /Expected request headers of at most/ });
  });

  it('answers a request that is not HTTP with 400 problem+json', async () => {
    const raw = await rawExchange(port(), ['HELLO THERE\r\n\r\n'], 'wait');
    await refused(main, async () => parseRaw(raw), { status: 400, code: 'ERR_MALFORMED_REQUEST', detail: /Expected a well-formed HTTP request/ });
  });

  it('stores nothing of a multipart body cut mid-file (half-closed), and answers 400 if it still can', async () => {
    const body = multipart([wavPart()]).payload;
    const before = await stored(main);
    const done = mainLog.next((line) => line.msg === 'request refused' || line.msg === 'request failed');
    const raw = await rawExchange(port(), [uploadHead(body.length), body.subarray(0, body.length >> 1)], 'end');
    expect(await done).toMatchObject({ msg: 'request refused' });
    if (raw) expectProblem(parseRaw(raw), { status: 400, code: 'ERR_MALFORMED_REQUEST', detail: /Expected/ });
    expect(await stored(main)).toEqual(before);
  });

  it('stores nothing of a multipart body cut mid-file (connection dropped)', async () => {
    const body = multipart([wavPart()]).payload;
    const before = await stored(main);
    const done = mainLog.next((line) => line.msg === 'request refused' || line.msg === 'request failed');
    const chunk = body.subarray(0, body.length >> 1);
    await rawExchange(port(), [uploadHead(null), `${chunk.length.toString(16)}\r\n`, chunk, '\r\n'], 'destroy');
    expect(await done).toMatchObject({ msg: 'request refused' });
    expect(await stored(main)).toEqual(before);
  });

  it('refuses a stream past MIXCHAIN_MAX_UPLOAD_MB with 413 as soon as the file passes it, holding none of it', async () => {
    const total = 32 * 1024 * 1024;
    const chunk = Buffer.alloc(256 * 1024, 0x55);
    const before = await stored(main);
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    let sent = 0;
    let sentWhenAnswered = -1;
    const request = httpRequest({ host: '127.0.0.1', port: port(), method: 'POST', path: '/api/v1/uploads/media', headers: { ...auth(), 'content-type': `multipart/form-data; boundary=${BOUNDARY}` } });
    const answered = new Promise<Answer>((resolve, reject) => {
      request.once('error', reject);
      request.once('response', async (response) => {
        sentWhenAnswered = sent;
        const chunks: Buffer[] = [];
        for await (const data of response) chunks.push(data as Buffer);
        resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    request.write(partHead(wavPart()));
    // Stream like a client with a huge file: until the whole file is sent, or the server has answered.
    while (sent < total && sentWhenAnswered < 0) {
      const more = request.write(chunk);
      sent += chunk.length;
      peak = Math.max(peak, process.memoryUsage().rss);
      if (!more) await Promise.race([once(request, 'drain'), answered]);
    }
    const answer = await answered;
    request.destroy();
    expectProblem(answer, { status: 413, code: 'ERR_UPLOAD_TOO_LARGE', detail: /Expected a file of at most 1 MB/ });
    // It answered while most of the file was still to come (what arrived past the limit was dropped, not kept).
    expect(sentWhenAnswered).toBeGreaterThan(1024 * 1024);
    expect(sentWhenAnswered).toBeLessThan(total / 2);
    expect(peak - baseline).toBeLessThan(total / 2);
    expect(await stored(main)).toEqual(before);
  });
});

describe('rate limit', () => {
  it('answers the 4th request in a minute with 429, Retry-After and problem+json, storing nothing', async () => {
    for (let i = 0; i < 3; i++) expect((await limited.app.inject({ method: 'GET', url: '/api/v1/uploads/status', headers: limited.auth() })).statusCode).toBe(200);
    const body = multipart([wavPart()]);
    const answer = await refused(limited, () => inject(limited, { method: 'POST', url: '/api/v1/uploads/media', headers: { ...body.headers, ...limited.auth() }, payload: body.payload }), {
      status: 429,
      code: 'ERR_RATE_LIMITED',
      detail: /Expected at most 3 requests per minute/,
    });
    expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
    // Per key: another key is not limited by this one's traffic.
    expect((await limited.app.inject({ method: 'GET', url: '/api/v1/uploads/status', headers: limited.auth((await limited.newKey()).key) })).statusCode).toBe(200);
  });
});
