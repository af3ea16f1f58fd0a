// Distributed mode on one machine, over loopback, every part a real process: Redis (with an
// append-only file), s3rver, two API nodes (`mixchain serve --workers 0`) and two render nodes
// (`mixchain worker --workers 1`). Jobs submitted through either API node are rendered by either
// render node and answered by both; a render node killed with SIGKILL mid-job loses nothing (its
// job restarts on the other once its lock lapses); a cancel sent to one API node stops the render
// on whichever node runs it; Redis killed and restarted from its AOF loses no job and the nodes
// recover without a restart; keys take turns and see only their own jobs, as in embedded mode;
// each finished job's webhook is sent once although both API nodes follow every job.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAudio } from '../src/audio/audio-file.js';
import { synthesizeBeat } from '../src/demo/material.js';
import { callApi, uploadThroughApi, type CallInit } from './fixtures/api-client.js';
import { startRedis, type RedisFixture } from './fixtures/redis.js';
import { startS3, type S3Fixture } from './fixtures/s3.js';
import { killServers, mixchainWith, startServe, until, type ServeProcess } from './fixtures/serve-process.js';
import { Receiver } from './fixtures/receiver.js';
import { makeAudio, startTestServer, type AudioFixtures } from './fixtures/server.js';
import { parseEvents, type SseEvent } from './fixtures/sse.js';

const scratch = mkdtempSync(join(tmpdir(), 'mixchain-cluster-'));
// About 10 s of rendering here: long enough to be caught mid-render.
const LONG_BEAT_SECONDS = 60;
const VARIANTS = [{ lufs: -14 }, { lufs: -16, format: 'flac' }] as const;

let redis: RedisFixture;
let s3: S3Fixture;
let audio: AudioFixtures;
let longBeat: string;
let env: Record<string, string>;
let receiver: Receiver;
const api: ServeProcess[] = [];
const renderNodes: ServeProcess[] = [];
let key: string;

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

const call = (node: ServeProcess, path: string, init: Omit<CallInit, 'key'> & { key?: string } = {}) => callApi(node.url, path, { ...init, key: init.key ?? key });
const uploadTo = (node: ServeProcess, path: string, as = key) => uploadThroughApi(node.url, path, as);

/** Waits until every job is finished (as `node` answers) and returns them. */
async function allFinished(node: ServeProcess, ids: string[], timeoutMs = 120_000, as = key): Promise<any[]> {
  let last: any[] = [];
  return until(
    `${ids.length} jobs to finish`,
    async () => {
      last = await Promise.all(ids.map(async (id) => (await call(node, `/jobs/${id}`, { key: as })).body));
      return last.every((job) => ['completed', 'failed', 'cancelled'].includes(job?.status)) ? last : null;
    },
    timeoutMs,
  ).catch((error: Error) => {
    throw new Error(`${error.message}; they are ${JSON.stringify(last.map((job) => [job?.status ?? job?.code, job?.attempts, job?.progress, job?.stage]))}`);
  });
}

async function resultBytes(node: ServeProcess, id: string): Promise<Buffer> {
  // A 302 to the bucket's presigned URL, followed without the key.
  const response = await fetch(`${node.url}/api/v1/jobs/${id}/result`, { headers: { authorization: `Bearer ${key}` } });
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

const busyWorkers = async (node: ServeProcess) => Number(/^mixchain_pool_workers\{state="busy"\} (\d+)/m.exec(await (await fetch(`${node.url}/metrics`)).text())?.[1] ?? 0);

beforeAll(async () => {
  audio = await makeAudio(2);
  longBeat = join(audio.folder, 'long-beat.wav');
  writeAudio(longBeat, synthesizeBeat(LONG_BEAT_SECONDS), 44100, { sampleType: 'pcm16' });
  [redis, s3, receiver] = await Promise.all([startRedis({ appendOnly: true }), startS3(scratch), Receiver.start()]);
  // Webhooks go to a receiver on loopback.
  env = { ...s3.env(), REDIS_URL: redis.url, STORAGE_RETRY_MAX_S: '1', MIXCHAIN_ALLOW_PRIVATE_TARGETS: 'true' };
  // The first API node makes the first key; the second finds it in Redis.
  api.push(await startServe(join(scratch, 'api-a'), { workers: 0, env }));
  api.push(await startServe(join(scratch, 'api-b'), { workers: 0, env }));
  key = api[0]!.firstKey!;
  expect(api[1]!.firstKey).toBeNull();
  for (const name of ['render-1', 'render-2']) renderNodes.push(await startServe(join(scratch, name), { command: 'worker', workers: 1, env }));
}, 180_000);

afterAll(async () => {
  await killServers();
  await receiver?.stop();
  await redis?.stop();
  await s3?.close();
  audio?.remove();
  rmSync(scratch, { recursive: true, force: true });
});

describe('distributed mode: two API nodes and two render nodes on one Redis', () => {
  it('renders 30 jobs submitted through both API nodes, byte-identical to embedded mode, through a render node killed mid-job; events stream on the other API node', async () => {
    const [a, b] = api as [ServeProcess, ServeProcess];
    // The reference: the same inputs rendered in embedded mode (SQLite, local disk) in this process.
    const embedded = await startTestServer({ workers: 1 });
    const reference: string[] = [];
    try {
      const send = async (path: string) => {
        const form = new FormData();
        form.append('file', new Blob([readFileSync(path)]), basename(path));
        const response = await embedded.app.inject({ method: 'POST', url: '/api/v1/uploads/media', headers: embedded.auth(), payload: form as never });
        return (response.json() as { id: string }).id;
      };
      const [vocal, beat] = [await send(audio.vocalWav), await send(audio.beatWav)];
      for (const variant of VARIANTS) {
        const submitted = await embedded.app.inject({ method: 'POST', url: '/api/v1/jobs', headers: embedded.auth(), payload: { vocal, beat, ...variant } });
        const id = (submitted.json() as { id: string }).id;
        await until('the embedded render', async () => (await embedded.app.inject({ url: `/api/v1/jobs/${id}`, headers: embedded.auth() })).json().status === 'completed');
        const result = await embedded.app.inject({ url: `/api/v1/jobs/${id}/result`, headers: embedded.auth() });
        reference.push(sha(result.rawPayload));
      }
    } finally {
      await embedded.close();
    }

    const vocal = await uploadTo(a, audio.vocalWav);
    const beat = await uploadTo(b, audio.beatWav); // an upload on B, used by jobs submitted on A
    const ids: string[] = [];
    for (let n = 0; n < 30; n++) {
      const submitted = await call(api[n % 2]!, '/jobs', { method: 'POST', body: { vocal, beat, ...VARIANTS[n % 2], webhookUrl: receiver.url() } });
      expect(submitted.status).toBe(202);
      ids.push(submitted.body.id);
    }
    // Node B follows a job submitted on node A, from its first event.
    const stream = fetch(`${b.url}/api/v1/jobs/${ids[0]}/events`, { headers: { authorization: `Bearer ${key}` } }).then(async (response) => {
      const events: SseEvent[] = [];
      for await (const event of parseEvents(response)) events.push(event);
      return events;
    });

    // Once render node 1 has finished a job and is busy with another, it dies.
    const victim = renderNodes[0]!;
    await until('render node 1 to be mid-render after a finished job', async () => {
      const done = (await Promise.all(ids.map(async (id) => (await call(a, `/jobs/${id}`)).body.status))).filter((s) => s === 'completed').length;
      return done >= 2 && (await busyWorkers(victim)) === 1;
    });
    victim.signal('SIGKILL');
    await victim.exited;

    const jobs = await allFinished(b, ids);
    expect(jobs.map((job) => job.status)).toEqual(ids.map(() => 'completed'));
    // None rendered more than twice; the killed node's job ran again elsewhere, once.
    expect(Math.max(...jobs.map((job) => job.attempts))).toBeLessThanOrEqual(2);
    expect(jobs.filter((job) => job.attempts === 2).length).toBeGreaterThanOrEqual(1);
    for (const [n, job] of jobs.entries()) {
      expect(job.result.format).toBe(VARIANTS[n % 2]!.format ?? 'wav');
      expect(sha(await resultBytes(api[(n + 1) % 2]!, job.id)), `job ${n}`).toBe(reference[n % 2]);
    }
    // Both API nodes heard every job end; each job's webhook went out once, from one of them.
    const hooks = await receiver.waitFor(30, 30_000);
    expect(new Set(hooks.map((hook) => hook.headers['webhook-id'])).size).toBe(hooks.length);
    expect(new Set(hooks.map((hook) => (JSON.parse(hook.body.toString()) as { data: { id: string } }).data.id))).toEqual(new Set(ids));
    for (const id of ids) expect((await call(a, `/jobs/${id}`)).body.deliveries).toEqual([expect.objectContaining({ kind: 'webhook', status: 'delivered', attempts: 1 })]);
    const events = await stream;
    expect(events.at(-1)).toMatchObject({ event: 'completed', data: { id: ids[0], status: 'completed' } });
    expect(events.filter((e) => e.event === 'progress').map((e) => e.data.stage)).toContain('storing');

    // The render node comes back and takes work again.
    renderNodes[0] = await startServe(join(scratch, 'render-1'), { command: 'worker', workers: 1, env });
  });

  it('stops a render on a render node when the cancel is sent to an API node', async () => {
    const [a, b] = api as [ServeProcess, ServeProcess];
    const [vocal, beat] = [await uploadTo(a, audio.vocalWav), await uploadTo(a, longBeat)];
    const { body: job } = await call(b, '/jobs', { method: 'POST', body: { vocal, beat } });
    let seen: unknown;
    await until('the long job to be rendering', async () => {
      const read = (await call(a, `/jobs/${job.id}`)).body;
      seen = read;
      return read.status === 'processing' && read.progress > 0;
    }).catch((error: Error) => {
      throw new Error(`${error.message}; the job: ${JSON.stringify(seen)}; render nodes: ${renderNodes.map((node) => node.stderr()).join('\n')}`);
    });
    const cancelledAt = Date.now();
    expect((await call(a, `/jobs/${job.id}/cancel`, { method: 'POST' })).status).toBeLessThan(300);
    const [ended] = await allFinished(b, [job.id], 30_000);
    expect(ended).toMatchObject({ status: 'cancelled', result: null });
    // Stopped, not run to its end (about 10 s of rendering).
    expect(Date.parse(ended.finishedAt) - cancelledAt).toBeLessThan(5000);
    await until('both render nodes to be idle', async () => (await busyWorkers(renderNodes[0]!)) + (await busyWorkers(renderNodes[1]!)) === 0);
  });

  it('loses no job when Redis is killed and restarted from its append-only file; API nodes answer 503 meanwhile and recover without a restart', async () => {
    const [a, b] = api as [ServeProcess, ServeProcess];
    const [vocal, beat] = [await uploadTo(a, audio.vocalWav), await uploadTo(b, audio.beatWav)];
    const ids: string[] = [];
    for (let n = 0; n < 6; n++) ids.push((await call(api[n % 2]!, '/jobs', { method: 'POST', body: { vocal, beat } })).body.id);
    await redis.kill();
    const refused = await until('the API to notice Redis is away', async () => {
      const read = await call(a, `/jobs/${ids[0]}`);
      return read.status === 503 ? read : null;
    });
    expect(refused.body).toMatchObject({ code: 'ERR_REDIS_UNAVAILABLE' });
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await fetch(`${b.url}/readyz`)).status).toBe(503);
    await redis.start();
    const jobs = await allFinished(b, ids);
    expect(jobs.map((job) => job.status)).toEqual(ids.map(() => 'completed'));
    for (const node of [...api, ...renderNodes]) await until(`${node.url} to be ready again`, async () => (await fetch(`${node.url}/readyz`)).status === 200);
  }, 180_000);

  it('keeps keys apart and takes their jobs in turns, as embedded mode does', async () => {
    const [a, b] = api as [ServeProcess, ServeProcess];
    const made = await mixchainWith(env, 'keys', 'create', '--name', 'second', '--json');
    expect(made.code).toBe(0);
    const other = (JSON.parse(made.stdout) as { key: string }).key;
    const [vocal, beat, long] = [await uploadTo(a, audio.vocalWav), await uploadTo(a, audio.beatWav), await uploadTo(a, longBeat)];
    const [otherVocal, otherBeat] = [await uploadTo(b, audio.vocalWav, other), await uploadTo(b, audio.beatWav, other)];
    // Another key's upload does not exist for this key, on either node.
    expect((await call(a, '/jobs', { method: 'POST', body: { vocal: otherVocal, beat: otherBeat } })).status).toBe(404);

    // Both render nodes busy, then a backlog: the first key's four jobs before the second key's two.
    const blockers = [(await call(a, '/jobs', { method: 'POST', body: { vocal, beat: long } })).body.id, (await call(b, '/jobs', { method: 'POST', body: { vocal, beat: long } })).body.id];
    await until('both render nodes to be busy', async () => (await busyWorkers(renderNodes[0]!)) + (await busyWorkers(renderNodes[1]!)) === 2);
    const first: string[] = [];
    for (let n = 0; n < 4; n++) first.push((await call(api[n % 2]!, '/jobs', { method: 'POST', body: { vocal, beat } })).body.id);
    const second: string[] = [];
    for (let n = 0; n < 2; n++) second.push((await call(api[n % 2]!, '/jobs', { method: 'POST', body: { vocal: otherVocal, beat: otherBeat }, key: other })).body.id);
    for (const id of blockers) expect((await call(a, `/jobs/${id}/cancel`, { method: 'POST' })).status).toBe(200);

    await allFinished(a, first);
    await allFinished(b, second, 120_000, other);
    // The order the jobs started in: the global ids of their 'starting' events.
    const startedAt = async (id: string, as: string) => {
      const response = await fetch(`${a.url}/api/v1/jobs/${id}/events`, { headers: { authorization: `Bearer ${as}` } });
      for await (const event of parseEvents(response)) if (event.data.stage === 'starting') return event.id;
      throw new Error(`job ${id} has no starting event`);
    };
    const order = [...(await Promise.all(first.map(async (id) => ({ key: 'first', at: await startedAt(id, key) })))), ...(await Promise.all(second.map(async (id) => ({ key: 'second', at: await startedAt(id, other) }))))]
      .sort((x, y) => x.at - y.at)
      .map((job) => job.key);
    // Two nodes claim side by side, so the two jobs of a round may record their start in either
    // order; the rounds themselves are far apart (a render each).
    const rounds = [order.slice(0, 2).sort(), order.slice(2, 4).sort(), order.slice(4)];
    expect(rounds).toEqual([['first', 'second'], ['first', 'second'], ['first', 'first']]);

    // Each key sees only its own jobs, on both nodes.
    for (const node of api) {
      expect((await call(node, `/jobs/${first[0]}`, { key: other })).status).toBe(404);
      expect((await call(node, `/jobs/${second[0]}`)).status).toBe(404);
      const listed = (await call(node, '/jobs?limit=100', { key: other })).body.items.map((job: { id: string }) => job.id);
      expect(listed.sort()).toEqual([...second].sort());
    }
  });
});
