// `mixchain serve` as a process: keys made and revoked from the command line while it runs, and
// what survives its end. kill -9 loses no job and leaves no render worker behind; SIGTERM lets
// running renders finish within MIXCHAIN_SHUTDOWN_GRACE_S, or puts them back in the queue.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeAudio } from '../src/audio/audio-file.js';
import { speakVocal, synthesizeBeat } from '../src/demo/material.js';
import { alive, killServers, mixchain, rememberWorkers, startServe, until, type ServeProcess } from './fixtures/serve-process.js';

const scratch = mkdtempSync(join(tmpdir(), 'mixchain-serve-process-'));
let dirs = 0;
const dataDir = () => join(scratch, `data-${++dirs}`);

// A render takes a fraction of its input's length (about a fifth on a busy two-core machine): the
// medium beat renders for seconds, long enough to be caught running and to outlast a 1 s grace;
// the long one is never rendered to its end.
const audio = { vocal: join(scratch, 'vocal.wav'), short: join(scratch, 'beat-3s.wav'), medium: join(scratch, 'beat-20s.wav'), long: join(scratch, 'beat-60s.wav') };

beforeAll(async () => {
  await speakVocal('One two three, the vocal of a server that is stopped while it mixes.', audio.vocal);
  for (const [file, seconds] of [[audio.short, 3], [audio.medium, 20], [audio.long, 60]] as const) {
    writeAudio(file, synthesizeBeat(seconds), 44100, { sampleType: 'pcm16' });
  }
});
afterEach(killServers);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

interface Job {
  status: string;
  attempts: number;
  progress: number;
  finishedAt: string | null;
  error: { code: string } | null;
  result: { size: number } | null;
}

/** A request to the server, its body parsed as JSON when it is JSON. */
async function call(server: ServeProcess, path: string, init: { key?: string; method?: string; json?: unknown; form?: FormData } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (init.key) headers.authorization = `Bearer ${init.key}`;
  if (init.json !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${server.url}${path}`, { method: init.method ?? 'GET', headers, body: init.form ?? (init.json === undefined ? undefined : JSON.stringify(init.json)) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: /json/.test(response.headers.get('content-type') ?? '') ? JSON.parse(text) : text };
}

async function uploadFile(server: ServeProcess, key: string, path: string): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([readFileSync(path)]), basename(path));
  const answer = await call(server, '/api/v1/uploads/media', { key, method: 'POST', form });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body.id;
}

async function submitJob(server: ServeProcess, key: string, vocal: string, beat: string): Promise<string> {
  const answer = await call(server, '/api/v1/jobs', { key, method: 'POST', json: { vocal, beat } });
  expect(answer.status, JSON.stringify(answer.body)).toBe(202);
  return answer.body.id;
}

async function getJob(server: ServeProcess, key: string, id: string): Promise<Job> {
  const answer = await call(server, `/api/v1/jobs/${id}`, { key });
  expect(answer.status).toBe(200);
  return answer.body;
}

function waitForJob(server: ServeProcess, key: string, id: string, what: string, test: (job: Job) => boolean, timeoutMs = 60_000): Promise<Job> {
  return until(`job ${id} to be ${what}`, async () => {
    const job = await getJob(server, key, id);
    return test(job) && job;
  }, timeoutMs);
}

const finished = (job: Job) => ['completed', 'failed', 'cancelled'].includes(job.status);

/** The pids of the server's render workers, remembered so that a failed test still ends them. */
async function workerPids(server: ServeProcess): Promise<number[]> {
  const stats = await call(server, '/stats');
  const pids = (stats.body.pool.workers as Array<{ pid: number }>).map((w) => w.pid);
  rememberWorkers(pids);
  expect(pids.length).toBeGreaterThan(0);
  return pids;
}

/** Waits until the job runs (its `attempt`-th run), then kills the server with SIGKILL; its workers must end too. */
async function killWhileProcessing(server: ServeProcess, key: string, id: string, attempt: number): Promise<void> {
  await waitForJob(server, key, id, `processing (attempt ${attempt})`, (job) => job.status === 'processing' && job.attempts === attempt);
  const pids = await workerPids(server);
  server.signal('SIGKILL');
  expect(await server.exited).toEqual({ code: null, signal: 'SIGKILL' });
  await until(`render workers ${pids.join(', ')} to end with their server`, () => pids.every((pid) => !alive(pid)), 15_000);
}

/** Resolves once a new connection to the server's port is refused: it has stopped listening. */
function refusesConnections(server: ServeProcess): Promise<true> {
  const { port } = new URL(server.url);
  const attempt = () =>
    new Promise<boolean>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
    });
  return until('the server to stop listening', attempt);
}

/** Everything a raw socket receives until it closes (an error, as [message], ends the text). */
function received(socket: Socket): Promise<string> {
  let text = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  socket.once('error', (error) => (text += `[${error.message}]`));
  return new Promise((resolve) => socket.once('close', () => resolve(text)));
}

describe('mixchain keys, against a running server', () => {
  it('creates a key shown once, lists keys without it, and revokes one at once', async () => {
    const dir = dataDir();
    const created = await mixchain('keys', 'create', '--name', 'studio', '--data-dir', dir, '--json');
    expect(created.code, created.stderr).toBe(0);
    const made = JSON.parse(created.stdout);
    expect(made).toEqual({ id: expect.stringMatching(/^key_/), name: 'studio', key: expect.stringMatching(/^mck_[\w-]{40,}$/), webhookSecret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/), webhookUrl: null });

    // The folder has a key, so the server makes none and prints none.
    const server = await startServe(dir, { workers: 0 });
    expect(server.firstKey).toBeNull();
    expect(server.stderr()).not.toMatch(/mck_/);
    expect((await call(server, '/api/v1/jobs', { key: made.key })).status).toBe(200);

    const [listed, listedJson, unknown] = await Promise.all([
      mixchain('keys', 'list', '--data-dir', dir),
      mixchain('keys', 'list', '--data-dir', dir, '--json'),
      mixchain('keys', 'revoke', 'key_00000000000000000000', '--data-dir', dir),
    ]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^${made.id}  studio  created \\S+  last used \\S+\\n$`));
    expect(listedJson.code, listedJson.stderr).toBe(0);
    // The request above used the key: its last use is recorded.
    expect(JSON.parse(listedJson.stdout)).toEqual([{ id: made.id, name: 'studio', createdAt: expect.any(String), lastUsedAt: expect.any(String), revokedAt: null }]);
    for (const output of [listed, listedJson]) {
      expect(output.stdout + output.stderr).not.toContain(made.key);
      expect(output.stdout + output.stderr).not.toContain(made.webhookSecret);
    }
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^mixchain: ERR_KEY_NOT_FOUND: .*key_00000000000000000000/);

    const revoked = await mixchain('keys', 'revoke', made.id, '--data-dir', dir);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toBe(`revoked ${made.id}\n`);
    const refused = await call(server, '/api/v1/jobs', { key: made.key });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(refused.body.code).toBe('ERR_UNAUTHORIZED');
  });
});

describe('mixchain keys webhook', () => {
  it("sets a key's default webhook URL (checked), clears it, and makes a new secret shown once", async () => {
    const dir = dataDir();
    const made = JSON.parse((await mixchain('keys', 'create', '--name', 'hooks', '--webhook', 'https://app.example/hooks', '--data-dir', dir, '--json')).stdout);
    expect(made.webhookUrl).toBe('https://app.example/hooks');
    const renewed = await mixchain('keys', 'webhook', made.id, '--new-secret', '--data-dir', dir);
    expect(renewed.code, renewed.stderr).toBe(0);
    const secret = /^(whsec_\S+)$/m.exec(renewed.stdout)?.[1];
    expect(secret).toMatch(/^whsec_/);
    expect(secret).not.toBe(made.webhookSecret);
    const [cleared, bad, both, unknown, nothing] = await Promise.all([
      mixchain('keys', 'webhook', made.id, '--clear', '--data-dir', dir),
      mixchain('keys', 'webhook', made.id, '--url', 'ftp://app.example/hooks', '--data-dir', dir),
      mixchain('keys', 'webhook', made.id, '--url', 'https://app.example/x', '--clear', '--data-dir', dir),
      mixchain('keys', 'webhook', 'key_00000000000000000000', '--clear', '--data-dir', dir),
      mixchain('keys', 'webhook', made.id, '--data-dir', dir),
    ]);
    expect(cleared.stdout).toBe(`webhook of ${made.id}: none\n`);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^mixchain: ERR_TARGET_INVALID: /);
    expect(both.stderr).toMatch(/^mixchain: ERR_INVALID_ARGUMENT: /);
    expect(unknown.stderr).toMatch(/^mixchain: ERR_KEY_NOT_FOUND: /);
    expect(nothing.stderr).toMatch(/^mixchain: ERR_INVALID_ARGUMENT: Expected --url/);
  });
});

describe('kill -9', () => {
  it('loses no job: jobs running when their server died run again once, then fail ERR_INTERRUPTED; no render worker outlives its server', async () => {
    const dir = dataDir();
    // Two workers: two jobs are running when this server dies.
    let server = await startServe(dir, { workers: 2 });
    // A fresh folder: the server made a key and printed it.
    const key = server.firstKey!;
    expect(key).toMatch(/^mck_/);
    const vocal = await uploadFile(server, key, audio.vocal);
    const [long, short] = [await uploadFile(server, key, audio.long), await uploadFile(server, key, audio.short)];
    const doomed = await submitJob(server, key, vocal, long);
    const once = await submitJob(server, key, vocal, short);
    const queued = await submitJob(server, key, vocal, short);
    await waitForJob(server, key, once, 'processing', (job) => job.status === 'processing');
    await killWhileProcessing(server, key, doomed, 1);

    // One worker from here: jobs run one at a time, oldest first, so the doomed one runs again
    // while the others wait.
    server = await startServe(dir);
    expect(server.firstKey).toBeNull();
    await killWhileProcessing(server, key, doomed, 2);

    server = await startServe(dir);
    // Killed twice while rendering it: it may be what kills the process, so it does not run again.
    expect(await getJob(server, key, doomed)).toMatchObject({ status: 'failed', attempts: 2, error: { code: 'ERR_INTERRUPTED' }, result: null });
    const jobs = await Promise.all([once, queued].map((id) => waitForJob(server, key, id, 'finished', finished)));
    expect(jobs.map((j) => [j.status, j.attempts, j.error])).toEqual([
      ['completed', 2, null],
      ['completed', 1, null],
    ]);
    expect(jobs.every((j) => j.result!.size > 44)).toBe(true);
    const stats = await call(server, '/stats');
    expect(stats.body.queue).toMatchObject({ queued: 0, processing: 0, completed: 2, failed: 1 });
  }, 120_000);
});

describe('SIGTERM', () => {
  it('lets running renders finish: a synchronous mix is answered, a processing job completes; readiness fails meanwhile; exit 0', async () => {
    // Two workers: the job and the mix render side by side.
    const server = await startServe(dataDir(), { workers: 2 });
    const key = server.firstKey!;
    const [vocal, beat] = [await uploadFile(server, key, audio.vocal), await uploadFile(server, key, audio.medium)];
    // A request still being sent when shutdown starts: its connection is not idle, so it stays
    // open and gets an answer after the listener has closed.
    const probe = connect(Number(new URL(server.url).port), '127.0.0.1');
    const probeAnswer = received(probe);
    probe.write('GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n');

    const job = await submitJob(server, key, vocal, beat);
    let answered = false;
    const mix = fetch(`${server.url}/api/v1/mix`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ vocal, beat }) }).finally(() => (answered = true));
    await until('the job and the mix to render', async () => (await call(server, '/stats')).body.pool.inFlight === 2);
    expect((await getJob(server, key, job)).status).toBe('processing');
    expect(answered).toBe(false);
    const terminatedAt = Date.now();
    server.signal('SIGTERM');

    await refusesConnections(server);
    probe.write('\r\n');
    expect(await probeAnswer).toMatch(/^HTTP\/1\.1 503 /);

    const response = await mix;
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('audio/wav');
    expect(Number(response.headers.get('mixchain-loudness-lufs'))).toBeLessThan(0);
    expect((await response.arrayBuffer()).byteLength).toBe(Number(response.headers.get('content-length')));
    expect(await server.exited).toEqual({ code: 0, signal: null });

    // An API-only server (no workers: it runs nothing) shows how the job ended.
    const reader = await startServe(server.dataDir, { workers: 0 });
    const done = await getJob(reader, key, job);
    expect(done).toMatchObject({ status: 'completed', attempts: 1, error: null });
    expect(Date.parse(done.finishedAt!)).toBeGreaterThan(terminatedAt);
  }, 120_000);

  it('past a short grace, puts a running job back in the queue: the next start runs it', async () => {
    const dir = dataDir();
    let server = await startServe(dir, { env: { MIXCHAIN_SHUTDOWN_GRACE_S: '1' } });
    const key = server.firstKey!;
    const [vocal, beat] = [await uploadFile(server, key, audio.vocal), await uploadFile(server, key, audio.medium)];
    const released = await submitJob(server, key, vocal, beat);
    await waitForJob(server, key, released, 'processing', (job) => job.status === 'processing');
    server.signal('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });

    // An API-only server shows the job as the next start finds it: queued, not failed.
    server = await startServe(dir, { workers: 0 });
    expect(await getJob(server, key, released)).toMatchObject({ status: 'queued', progress: 0, attempts: 1, error: null });
    server.signal('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });

    server = await startServe(dir);
    expect(await waitForJob(server, key, released, 'finished', finished)).toMatchObject({ status: 'completed', attempts: 2, error: null });
  }, 120_000);
});
