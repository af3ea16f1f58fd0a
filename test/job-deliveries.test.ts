// What follows finished jobs: webhooks and forwards are queued for jobs that end while the
// service follows the queue, and, after a restart, for those that ended while no process was
// following (the watermark), never twice and never for jobs older than the first start.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DeliveryDispatcher } from '../src/delivery/dispatcher.js';
import { SqliteDeliveryStore } from '../src/delivery/sqlite-delivery-store.js';
import { SqliteKeyWebhooks } from '../src/delivery/sqlite-key-webhooks.js';
import type { JobInput } from '../src/jobs/queue.js';
import { SqliteJobQueue } from '../src/jobs/sqlite-queue.js';
import { JobDeliveries } from '../src/server/job-deliveries.js';
import { openDatabase, type Db } from '../src/storage/database.js';
import { SqliteWatermarks } from '../src/storage/sqlite-watermarks.js';
import { input } from './fixtures/job-queue-contract.js';
import { until } from './fixtures/pool.js';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

const FORWARD = { url: 'https://proc.example/upload', apiKey: null, auto: false };
const hooked = (n: number, extra: Partial<JobInput> = {}): JobInput => ({ ...input(n), webhookUrl: 'https://app.example/hooks', ...extra });
const result = (id: string) => Promise.resolve({ key: `mixes/${id}.wav`, format: 'wav', size: 1 });

/** The service's pieces on one database file, the dispatcher never started (nothing is sent). */
function open(folder: string) {
  const db: Db = openDatabase(folder);
  const queue = new SqliteJobQueue(db);
  const store = new SqliteDeliveryStore(db);
  const webhooks = new SqliteKeyWebhooks(db);
  const log = () => {};
  const dispatcher = new DeliveryDispatcher(store, { webhookSecret: async () => null, forwardFile: async () => null, forward: FORWARD }, { allowPrivate: false, webhookSchedule: [0], forwardSchedule: [0], webhookTimeoutMs: 1000, forwardTimeoutMs: 1000, concurrency: 1 }, log);
  const follower = new JobDeliveries({ watermarks: new SqliteWatermarks(db), queue, dispatcher, webhooks, forward: FORWARD, describe: async (job) => ({ id: job.id, status: job.status }), log });
  return {
    queue,
    store,
    webhooks,
    follower,
    async close() {
      follower.stop();
      await dispatcher.close();
      await queue.close();
      db.close();
    },
  };
}

describe('JobDeliveries', () => {
  it('queues the webhook of every job that ends, the forward of those that completed and ask for it', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'mixchain-job-deliveries-'));
    folders.push(folder);
    const service = open(folder);
    await service.follower.start();
    const completed = await service.queue.recordCompleted('A', hooked(1, { forward: true }), null, result);
    const plain = await service.queue.recordCompleted('A', input(2), null, result);
    const cancelled = (await service.queue.submit('A', hooked(3, { forward: true }))).job;
    await service.queue.cancel('A', cancelled.id);
    // A key's default URL stands in for a job that names none.
    await service.webhooks.setUrl('B', 'https://b.example/hooks');
    const defaulted = await service.queue.recordCompleted('B', input(4), null, result);
    await service.follower.idle();

    const kinds = async (keyId: string, jobId: string) => (await service.store.forJob(keyId, jobId)).map((d) => `${d.kind} ${d.target}`).sort();
    expect(await kinds('A', completed.id)).toEqual(['forward https://proc.example/upload', 'webhook https://app.example/hooks']);
    expect(await kinds('A', plain.id)).toEqual([]);
    expect(await kinds('A', cancelled.id)).toEqual(['webhook https://app.example/hooks']);
    expect(await kinds('B', defaulted.id)).toEqual(['webhook https://b.example/hooks']);
    await service.close();
  });

  it('catches up after a restart on jobs that ended while nothing followed, once, and never on jobs older than its first start', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'mixchain-job-deliveries-'));
    folders.push(folder);
    let service = open(folder);
    const before = await service.queue.recordCompleted('A', hooked(1), null, result);
    await until(() => Date.now() > Date.parse(before.finishedAt!), 'the clock to pass the first job');
    await service.follower.start();
    service.follower.stop();
    // Ends while no process follows the queue (as if the process died right after it).
    const missed = await service.queue.recordCompleted('A', hooked(2), null, result);
    await service.close();

    service = open(folder);
    await service.follower.start();
    expect((await service.store.forJob('A', missed.id)).map((d) => d.kind)).toEqual(['webhook']);
    expect(await service.store.forJob('A', before.id)).toEqual([]);
    await service.close();

    service = open(folder);
    await service.follower.start();
    expect(await service.store.forJob('A', missed.id)).toHaveLength(1);
    await service.close();
  });
});
