// The stores of the deliveries (tasks, key webhook settings, watermarks): their contracts against
// SQLite (a fresh data folder per case) and a real redis-server started for this file (a prefix
// per case). Then what only a shared store gives: a node that dies mid-attempt (its claim's lease
// runs out and another node takes the task), and several dispatchers on one Redis store sending
// to a real HTTP receiver, each task exactly once.
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DeliveryStore } from '../src/delivery/delivery-store.js';
import { DeliveryDispatcher, type DispatcherOptions } from '../src/delivery/dispatcher.js';
import { RedisDeliveryStore } from '../src/delivery/redis-delivery-store.js';
import { RedisKeyWebhooks } from '../src/delivery/redis-key-webhooks.js';
import { newWebhookSecret } from '../src/delivery/signing.js';
import { SqliteDeliveryStore } from '../src/delivery/sqlite-delivery-store.js';
import { SqliteKeyWebhooks } from '../src/delivery/sqlite-key-webhooks.js';
import { RedisWatermarks } from '../src/storage/redis-watermarks.js';
import { SqliteWatermarks } from '../src/storage/sqlite-watermarks.js';
import { deliveryStoreContract, keyWebhooksContract, watermarksContract } from './fixtures/delivery-store-contract.js';
import { Receiver } from './fixtures/receiver.js';
import { startRedis, type RedisFixture } from './fixtures/redis.js';
import { redisHarness, sqliteHarness, type StoreHarness } from './fixtures/store-harness.js';

let redis: RedisFixture | undefined;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const redisStores = () => redisHarness(redis!.url, (client, prefix) => new RedisDeliveryStore(client, prefix));

deliveryStoreContract('SqliteDeliveryStore', () => sqliteHarness((db) => new SqliteDeliveryStore(db)));
deliveryStoreContract('RedisDeliveryStore', redisStores);
keyWebhooksContract('SqliteKeyWebhooks', () => sqliteHarness((db) => new SqliteKeyWebhooks(db)));
keyWebhooksContract('RedisKeyWebhooks', () => redisHarness(redis!.url, (client, prefix) => new RedisKeyWebhooks(client, prefix)));
watermarksContract('SqliteWatermarks', () => sqliteHarness((db) => new SqliteWatermarks(db)));
watermarksContract('RedisWatermarks', () => redisHarness(redis!.url, (client, prefix) => new RedisWatermarks(client, prefix)));

const KEY = 'key_owner';
const SECRET = newWebhookSecret();
const HOUR = { webhook: 3_600_000, forward: 3_600_000 };
const newTask = (jobId: string, url: string) => ({ keyId: KEY, jobId, kind: 'webhook' as const, url, payload: JSON.stringify({ type: 'job.completed', data: { id: jobId } }), auto: true });

describe('SqliteDeliveryStore (one process)', () => {
  it('recover() at start puts every task left sending back to pending, due at once', async () => {
    const harness = sqliteHarness((db) => new SqliteDeliveryStore(db));
    try {
      const store = harness.open();
      for (const jobId of ['job_1', 'job_2', 'job_3']) await store.add(newTask(jobId, 'https://hooks.example/in'));
      expect(await store.claimDue(new Date(), 2, HOUR)).toHaveLength(2);
      const at = new Date(Date.now() + 1000);
      // A restart: another connection to the same file.
      const restarted = harness.open();
      expect(await restarted.recover(at)).toBe(2);
      expect(await restarted.counts()).toEqual({ pending: 3, sending: 0, delivered: 0, failed: 0 });
      const again = await restarted.claimDue(at, 10, HOUR);
      expect(again.map((t) => t.attempts).sort()).toEqual([1, 2, 2]);
    } finally {
      await harness.close();
    }
  });
});

describe('RedisDeliveryStore (shared by several nodes)', () => {
  let harness: StoreHarness<DeliveryStore>;
  const dispatchers: DeliveryDispatcher[] = [];
  const receivers: Receiver[] = [];
  const logs: { level: string; message: string; fields?: Record<string, unknown> }[] = [];

  afterEach(async () => {
    for (const dispatcher of dispatchers.splice(0)) await dispatcher.close();
    for (const receiver of receivers.splice(0)) await receiver.stop();
    await harness?.close();
    logs.splice(0);
  });

  async function receiver(): Promise<Receiver> {
    const started = await Receiver.start();
    receivers.push(started);
    return started;
  }

  /** A node's dispatcher on its own connection to the harness's store. */
  function node(options: Partial<DispatcherOptions> = {}): { store: DeliveryStore; dispatcher: DeliveryDispatcher } {
    const store = harness.open();
    const dispatcher = new DeliveryDispatcher(
      store,
      { webhookSecret: async (keyId) => (keyId === KEY ? SECRET : null), forwardFile: async () => null, forward: null },
      { allowPrivate: true, webhookSchedule: [0, 100], forwardSchedule: [0], webhookTimeoutMs: 2000, forwardTimeoutMs: 2000, concurrency: 4, pollMs: 50, ...options },
      (level, message, fields) => logs.push({ level, message, fields }),
    );
    dispatchers.push(dispatcher);
    return { store, dispatcher };
  }

  const settled = (store: DeliveryStore, id: string) =>
    vi.waitFor(
      async () => {
        const record = (await store.get(KEY, id))!;
        expect(record.status).toBe('delivered');
        return record;
      },
      { timeout: 15_000, interval: 10 },
    );

  it("takes over a dead node's task once its lease runs out (a new attempt), and the dead node's late outcome is not written", async () => {
    harness = redisStores();
    const [dead, alive] = [harness.open(), harness.open()];
    const task = await dead.add(newTask('job_1', 'https://hooks.example/in'));
    const lease = { webhook: 1000, forward: 1000 };
    const claimedAt = Date.now();
    expect((await dead.claimDue(new Date(), 10, lease)).map((t) => t.id)).toEqual([task.id]);
    // Held: the other node gets nothing while the lease runs, and knows when to look again.
    expect(await alive.claimDue(new Date(), 10, lease)).toEqual([]);
    expect(await alive.nextDueAt()).toBeGreaterThanOrEqual(claimedAt + 1000);
    const [taken] = await vi.waitFor(
      async () => {
        const claimed = await alive.claimDue(new Date(), 10, lease);
        expect(claimed).toHaveLength(1);
        return claimed;
      },
      { timeout: 10_000, interval: 20 },
    );
    expect(Date.now()).toBeGreaterThanOrEqual(claimedAt + 1000);
    expect(taken).toMatchObject({ id: task.id, status: 'sending', attempts: 2 });
    expect(await alive.counts()).toEqual({ pending: 0, sending: 1, delivered: 0, failed: 0 });
    const outcome = { status: 'delivered', statusCode: 200, error: null, bytes: 1, durationMs: 1, nextAttemptAt: null } as const;
    expect(await dead.settle(task.id, 1, outcome)).toBe(false);
    expect(await alive.get(KEY, task.id)).toMatchObject({ status: 'sending', attempts: 2, lastStatusCode: null });
    expect(await alive.settle(task.id, 2, outcome)).toBe(true);
    expect(await dead.counts()).toEqual({ pending: 0, sending: 0, delivered: 1, failed: 0 });
  });

  it('a dispatcher sends the task a dead node claimed and never settled, after its lease: attempts 2, one request', async () => {
    harness = redisStores();
    const r = await receiver();
    const dead = harness.open();
    const task = await dead.add(newTask('job_1', r.url()));
    // The dead node's claim: the lease a dispatcher with a 300 ms timeout and a 200 ms margin takes.
    expect(await dead.claimDue(new Date(), 10, { webhook: 500, forward: 500 })).toHaveLength(1);
    const { store, dispatcher } = node({ webhookTimeoutMs: 300, leaseMarginMs: 200 });
    await dispatcher.start();
    const done = await settled(store, task.id);
    expect(done).toMatchObject({ status: 'delivered', attempts: 2, lastStatusCode: 200 });
    const [request] = await r.waitFor(1);
    expect(request!.headers['webhook-id']).toBe(task.id);
    expect(new Webhook(SECRET).verify(request!.body.toString(), request!.headers as Record<string, string>)).toEqual({ type: 'job.completed', data: { id: 'job_1' } });
    await dispatcher.idle();
    expect(r.requests).toHaveLength(1);
  });

  it('two dispatchers on one store deliver 10 webhooks, each exactly once, whichever node added it', async () => {
    harness = redisStores();
    const r = await receiver();
    const nodes = [node(), node()];
    for (const { dispatcher } of nodes) await dispatcher.start();
    const records = await Promise.all(Array.from({ length: 10 }, (_, n) => nodes[n % 2]!.dispatcher.enqueueWebhook(KEY, `job_${n}`, r.url(), { type: 'job.completed', data: { id: `job_${n}` } })));
    // Both nodes hear the same finished job: one task.
    expect((await nodes[1]!.dispatcher.enqueueWebhook(KEY, 'job_0', r.url(), { type: 'job.failed' })).id).toBe(records[0]!.id);
    await r.waitFor(10);
    for (const record of records) await settled(nodes[0]!.store, record.id);
    for (const { dispatcher } of nodes) await dispatcher.idle();
    expect(r.requests.map((q) => q.headers['webhook-id']).sort()).toEqual(records.map((d) => d.id).sort());
    for (const request of r.requests) expect(new Webhook(SECRET).verify(request.body.toString(), request.headers as Record<string, string>)).toMatchObject({ type: 'job.completed' });
    expect(await nodes[1]!.store.counts('webhook', KEY)).toEqual({ pending: 0, sending: 0, delivered: 10, failed: 0 });
    expect(logs.filter((l) => l.level !== 'info')).toEqual([]);
  });

  it('a dispatcher sends tasks that another node added or rescheduled, found by its poll', async () => {
    harness = redisStores();
    const r = await receiver();
    const { store, dispatcher } = node({ pollMs: 100 });
    await dispatcher.start();
    await dispatcher.idle();
    // A node without a dispatcher adds a task and reschedules another: nothing wakes this one but its poll.
    const other = harness.open();
    const added = await other.add(newTask('job_1', r.url()));
    const retried = await other.add({ ...newTask('job_2', r.url()), dueAt: new Date(Date.now() + 3_600_000) });
    await settled(store, added.id);
    expect(await other.claimDue(new Date(Date.now() + 3_600_000), 10, HOUR)).toMatchObject([{ id: retried.id, attempts: 1 }]);
    const soon = new Date(Date.now() + 200);
    await other.settle(retried.id, 1, { status: 'pending', statusCode: 500, error: 'Expected a 2xx answer but got HTTP 500', bytes: 0, durationMs: 1, nextAttemptAt: soon });
    expect(await settled(store, retried.id)).toMatchObject({ attempts: 2, lastStatusCode: 200 });
    expect(r.requests.map((q) => q.headers['webhook-id'])).toEqual([added.id, retried.id]);
    expect(r.requests[1]!.at).toBeGreaterThanOrEqual(soon.getTime());
  });
});
