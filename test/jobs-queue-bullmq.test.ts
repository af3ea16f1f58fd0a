// The job queue on Redis through BullMQ: the shared JobQueue contract against a real redis-server
// started for this file, each case in a namespace (queue name) of its own; then what only Redis
// gives: several nodes on one queue, locks that lapse, BullMQ's own state.
import { Socket } from 'node:net';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BullmqJobQueue } from '../src/jobs/bullmq-queue.js';
import type { JobEvent } from '../src/jobs/queue.js';
import { input, jobQueueContract } from './fixtures/job-queue-contract.js';
import { startRedis, type RedisFixture } from './fixtures/redis.js';

let redis: RedisFixture | undefined;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

let namespaces = 0;
jobQueueContract('BullmqJobQueue on Redis', async () => BullmqJobQueue.open({ connection: redis!.url, name: `contract-${namespaces++}` }));

const open = (name: string, options: { lockDuration?: number; stalledIntervalMs?: number } = {}) => BullmqJobQueue.open({ connection: redis!.url, name, ...options });

describe('BullmqJobQueue', () => {
  it('is one queue for several nodes: jobs handed out once, events, wake-ups and cancels heard everywhere', async () => {
    const [a, b] = [await open('nodes'), await open('nodes')];
    try {
      const heard: JobEvent[] = [];
      const cancels: string[] = [];
      let woken = 0;
      b.subscribe((event) => heard.push(event));
      b.onCancelRequest((id) => cancels.push(id));
      b.onQueued(() => woken++);
      for (let n = 0; n < 4; n++) await a.submit(`key-${n % 2}`, input(n));
      const claimed = [await a.claim(), await b.claim(), await b.claim(), await a.claim()];
      expect(new Set(claimed.map((job) => job!.id)).size).toBe(4);
      expect(await a.claim()).toBeNull();
      expect(await b.claim()).toBeNull();
      const job = claimed[0]!;
      await a.progress(job.id, 50, 'rendering');
      await a.cancel(job.keyId, job.id);
      await a.cancelled(job.id);
      // What node a recorded, node b heard, in the order of the log.
      await vi.waitFor(async () => expect(heard.filter((e) => e.jobId === job.id)).toEqual(await a.events(job.keyId, job.id, 0)));
      expect(cancels).toEqual([job.id]);
      expect(woken).toBe(4);
      expect(await b.get(job.keyId, job.id)).toMatchObject({ status: 'cancelled' });
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("wakes other nodes' runners only once the job can be claimed: a claim made on the wake-up finds it", async () => {
    const [api, render] = [await open('wake'), await open('wake')];
    try {
      const claims: Array<Promise<unknown>> = [];
      render.onQueued(() => claims.push(render.claim()));
      const { job } = await api.submit('A', input());
      await vi.waitFor(() => expect(claims.length).toBeGreaterThan(0));
      expect(await Promise.all(claims)).toContainEqual(expect.objectContaining({ id: job.id, status: 'processing' }));
    } finally {
      await api.close();
      await render.close();
    }
  });

  it('keeps keys taking turns as they come and go, each key oldest first', async () => {
    const queue = await open('turns');
    try {
      const submit = async (keyId: string) => (await queue.submit(keyId, input())).job.id;
      const claimed = async () => (await queue.claim())!.id;
      const a = [await submit('A'), await submit('A'), await submit('A'), await submit('A')];
      expect(await claimed()).toBe(a[0]);
      const b = [await submit('B'), await submit('B'), await submit('B')];
      a.push(await submit('A'));
      const order = [];
      for (let n = 0; n < 7; n++) order.push(await claimed());
      expect(order).toEqual([a[1], b[0], a[2], b[1], a[3], b[2], a[4]]);
      // A key that sends one job at a time, each after the last was taken, never jumps ahead.
      for (let n = 0; n < 3; n++) await submit('A');
      for (let n = 0; n < 3; n++) {
        const one = await submit('B');
        const pair = [await queue.claim(), await queue.claim()];
        expect(pair.map((job) => job!.keyId).sort()).toEqual(['A', 'B']);
        expect(pair.map((job) => job!.id)).toContain(one);
      }
      expect(await queue.claim()).toBeNull();
    } finally {
      await queue.close();
    }
  });

  it('leaves nothing behind in BullMQ once jobs end, are cancelled or removed', async () => {
    const queue = await open('clean');
    const bull = new Queue('clean', { connection: { url: redis!.url }, prefix: 'mixchain' });
    try {
      const jobs = [];
      for (let n = 0; n < 6; n++) jobs.push((await queue.submit('A', input(n))).job);
      expect((await bull.getJobCounts()).prioritized).toBe(6);
      await queue.cancel('A', jobs[0]!.id);
      await queue.remove('A', jobs[1]!.id);
      const [c, d, e] = [await queue.claim(), await queue.claim(), await queue.claim()];
      await queue.complete(c!.id, null, { key: 'k', format: 'wav', size: 1 });
      await queue.fail(d!.id, { code: 'ERR_X', message: 'x' });
      await queue.remove('A', e!.id); // removed while processing
      const f = await queue.claim();
      await queue.cancel('A', f!.id);
      await queue.cancelled(f!.id);
      expect(await queue.claim()).toBeNull();
      const counts = await bull.getJobCounts();
      expect(Object.values(counts).reduce((sum, n) => sum + n, 0)).toBe(0);
    } finally {
      await bull.close();
      await queue.close();
    }
  });

  it("recovers only jobs no live node holds: a dead node's once its lock lapsed", async () => {
    const options = { lockDuration: 1000 };
    const [dead, live, starting] = [await open('recover', options), await open('recover', options), await open('recover', options)];
    try {
      const [x, y] = [(await dead.submit('A', input(1))).job, (await dead.submit('B', input(2))).job];
      expect((await dead.claim())!.id).toBe(x.id);
      expect((await live.claim())!.id).toBe(y.id);
      await dead.close(); // it holds x and never ends it, as when its process dies
      expect(await starting.recover()).toEqual({ requeued: [], failed: [] });
      await new Promise((resolve) => setTimeout(resolve, 1500)); // x's lock lapses; live renews y's
      expect(await starting.recover()).toEqual({ requeued: [x.id], failed: [] });
      expect(await starting.get('B', y.id)).toMatchObject({ status: 'processing', interruptions: 0 });
      expect(await starting.claim()).toMatchObject({ id: x.id, attempts: 2, interruptions: 1 });
      await live.complete(y.id, null, { key: 'k', format: 'wav', size: 1 });
    } finally {
      await live.close();
      await starting.close();
    }
  });

  it("hands a dead node's job to a render node through BullMQ's stalled check, counting an interruption and waking it", async () => {
    const [dead, next] = [await open('stalled', { lockDuration: 500 }), await open('stalled', { lockDuration: 500, stalledIntervalMs: 200 })];
    try {
      let woken = 0;
      next.onQueued(() => woken++);
      const { job } = await dead.submit('A', input());
      await dead.claim();
      await dead.progress(job.id, 40, 'rendering');
      const wokenBefore = woken;
      await dead.close(); // it holds the job and never ends it, as when its process dies
      await vi.waitFor(() => expect(woken).toBeGreaterThan(wokenBefore), { timeout: 10_000, interval: 50 });
      expect(await next.claim()).toMatchObject({ id: job.id, status: 'processing', attempts: 2, interruptions: 1, progress: 0 });
      const events = (await next.events('A', job.id, 0))!;
      expect(events.map((e) => [e.attempt, e.progress, e.stage])).toEqual([[1, 0, 'starting'], [1, 40, 'rendering'], [1, 0, 'queued'], [2, 0, 'starting']]);
    } finally {
      await next.close();
    }
  });

  it('lets only the current run report and end: a node that lost its lock cannot overwrite the run that replaced it', async () => {
    const [cutOff, other] = [await open('superseded', { lockDuration: 500 }), await open('superseded', { lockDuration: 500, stalledIntervalMs: 200 })];
    const raw = new Redis(redis!.url);
    try {
      const { job } = await cutOff.submit('A', input());
      await cutOff.claim();
      // Its lock disappears (as when the node cannot reach Redis for longer than the lock lasts).
      await raw.del(`mixchain:superseded:${job.id}:lock`);
      const again = await vi.waitFor(
        async () => {
          const claimed = await other.claim();
          if (!claimed) throw new Error('not handed back yet');
          return claimed;
        },
        { timeout: 10_000, interval: 100 },
      );
      expect(again).toMatchObject({ id: job.id, attempts: 2, interruptions: 1 });
      await cutOff.progress(job.id, 90, 'late');
      await expect(cutOff.complete(job.id, { from: 'cut off' }, { key: 'k1', format: 'wav', size: 1 })).rejects.toMatchObject({ code: 'ERR_JOB_STATE' });
      expect(await other.get('A', job.id)).toMatchObject({ status: 'processing', progress: 0, attempts: 2 });
      expect(await other.complete(job.id, { from: 'current' }, { key: 'k2', format: 'wav', size: 2 })).toMatchObject({ status: 'completed', report: { from: 'current' } });
    } finally {
      raw.disconnect();
      await cutOff.close();
      await other.close();
    }
  });

  it('re-hears a cancel request whose message was lost, from the record, within a lock renewal', async () => {
    const queue = await open('lost-cancel', { lockDuration: 400 });
    const raw = new Redis(redis!.url);
    try {
      const cancels: string[] = [];
      queue.onCancelRequest((id) => cancels.push(id));
      const { job } = await queue.submit('A', input());
      await queue.claim();
      // The request is recorded but its notification never arrives (the subscription was down).
      await raw.hset(`mixchain:lost-cancel:mc:job:${job.id}`, 'cancelRequested', '1');
      await vi.waitFor(() => expect(cancels).toContain(job.id), { timeout: 5000, interval: 20 });
      expect(await queue.cancelled(job.id)).toMatchObject({ status: 'cancelled' });
    } finally {
      raw.disconnect();
      await queue.close();
    }
  });

  it('adds the BullMQ job a submit left out (its process died in between) on recover', async () => {
    const queue = await open('lost');
    const bull = new Queue('lost', { connection: { url: redis!.url }, prefix: 'mixchain' });
    try {
      const { job } = await queue.submit('A', input());
      await bull.remove(job.id);
      expect(await queue.claim()).toBeNull();
      expect(await queue.recover()).toEqual({ requeued: [], failed: [] });
      expect(await queue.claim()).toMatchObject({ id: job.id, attempts: 1 });
    } finally {
      await bull.close();
      await queue.close();
    }
  });

  it('closes every connection it opened', async () => {
    // By identity, not by count: sockets of earlier tests may still be closing.
    const sockets = () => (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().filter((handle) => handle instanceof Socket);
    const before = new Set(sockets());
    const fresh = () => sockets().filter((socket) => !before.has(socket));
    const queue = await open('handles');
    await queue.submit('A', input());
    await queue.claim();
    expect(fresh().length).toBeGreaterThanOrEqual(2);
    await queue.close();
    await vi.waitFor(() => expect(fresh()).toEqual([]));
  });
});
