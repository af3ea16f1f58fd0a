// The SQLite job queue: the shared JobQueue contract on a throwaway and a file database, then
// what only a file gives: state that outlives the process, and several connections to it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { SqliteJobQueue } from '../src/jobs/sqlite-queue.js';
import { openDatabase, type Db } from '../src/storage/database.js';
import { input, jobQueueContract } from './fixtures/job-queue-contract.js';

const scratch = mkdtempSync(join(tmpdir(), 'mixchain-jobs-'));
const opened: Db[] = [];
afterAll(() => {
  for (const db of opened) db.close();
  rmSync(scratch, { recursive: true, force: true });
});

function open(dir: string | ':memory:'): Db {
  const db = openDatabase(dir);
  opened.push(db);
  return db;
}

let folders = 0;
const folder = () => join(scratch, `db-${folders++}`);

jobQueueContract('SqliteJobQueue in memory', async () => new SqliteJobQueue(open(':memory:')));
jobQueueContract('SqliteJobQueue in a file', async () => new SqliteJobQueue(open(folder())));

describe('SqliteJobQueue', () => {
  it('recovers the jobs of a process that died, on a new connection to the same file', async () => {
    const dir = folder();
    const before = new SqliteJobQueue(open(dir));
    const [a1, a2] = [(await before.submit('A', input(1))).job, (await before.submit('A', input(2))).job];
    const b = (await before.submit('B', input(3))).job;
    expect((await before.claim())!.id).toBe(a1.id);
    await before.progress(a1.id, 30, 'rendering');

    // The restart: a new connection and queue; the old one is never closed, as when a process dies.
    const after = new SqliteJobQueue(open(dir));
    expect(await after.recover()).toEqual({ requeued: [a1.id], failed: [] });
    expect(await after.get('A', a1.id)).toMatchObject({ status: 'queued', progress: 0, attempts: 1, interruptions: 1 });
    expect(await after.get('A', a2.id)).toMatchObject({ status: 'queued', interruptions: 0 });
    expect((await after.list('A', { limit: 10 })).items.map((job) => job.id)).toEqual([a2.id, a1.id]);
    const events = (await after.events('A', a1.id, 0))!;
    expect(events.map((e) => [e.attempt, e.progress, e.stage])).toEqual([[1, 0, 'starting'], [1, 30, 'rendering'], [1, 0, 'queued']]);

    // Turns survive the restart too: B, never served, goes before A's recovered job.
    expect((await after.claim())!.id).toBe(b.id);
    expect(await after.claim()).toMatchObject({ id: a1.id, attempts: 2 });
    const again = new SqliteJobQueue(open(dir));
    expect(await again.recover()).toEqual({ requeued: [b.id], failed: [a1.id] });
    expect(await again.get('A', a1.id)).toMatchObject({ status: 'failed', error: { code: 'ERR_INTERRUPTED' } });
  });

  it('never gives two connections the same job', async () => {
    const dir = folder();
    const [one, two] = [new SqliteJobQueue(open(dir)), new SqliteJobQueue(open(dir))];
    for (let n = 0; n < 4; n++) await one.submit(`key-${n % 2}`, input(n));
    const claimed = [await one.claim(), await two.claim(), await two.claim(), await one.claim()];
    expect(new Set(claimed.map((job) => job!.id)).size).toBe(4);
    expect(await one.claim()).toBeNull();
    expect(await two.claim()).toBeNull();
  });

  it('honours an idempotency key for 24 hours, then starts afresh', async () => {
    let now = Date.parse('2030-01-01T00:00:00.000Z');
    const queue = new SqliteJobQueue(open(':memory:'), { now: () => new Date(now) });
    const first = await queue.submit('A', input(1), { idempotencyKey: 'k', fingerprint: 'f1' });
    expect(first.job.createdAt).toBe('2030-01-01T00:00:00.000Z');
    now += 24 * 3600_000 - 1;
    await expect(queue.submit('A', input(2), { idempotencyKey: 'k', fingerprint: 'f2' })).rejects.toMatchObject({
      code: 'ERR_IDEMPOTENCY_MISMATCH',
      message: `Expected the request of job ${first.job.id} (fingerprint 'f1') again for idempotency key 'k' but got fingerprint 'f2'`,
    });
    expect((await queue.submit('A', input(1), { idempotencyKey: 'k', fingerprint: 'f1' })).job.id).toBe(first.job.id);
    now += 1;
    const second = await queue.submit('A', input(2), { idempotencyKey: 'k', fingerprint: 'f2' });
    expect(second.created).toBe(true);
    // The expired row was replaced: the key now stands for the second job.
    await expect(queue.submit('A', input(1), { idempotencyKey: 'k', fingerprint: 'f1' })).rejects.toMatchObject({ code: 'ERR_IDEMPOTENCY_MISMATCH' });
  });

  it('stamps times from its clock and expires strictly before the date', async () => {
    let now = Date.parse('2030-01-01T00:00:00.000Z');
    const queue = new SqliteJobQueue(open(':memory:'), { now: () => new Date(now) });
    const { job } = await queue.submit('A', input());
    now += 1000;
    expect((await queue.claim())!.startedAt).toBe('2030-01-01T00:00:01.000Z');
    now += 1000;
    const done = await queue.complete(job.id, null, { key: `mixes/${job.id}.wav`, format: 'wav', size: 1 });
    expect(done.finishedAt).toBe('2030-01-01T00:00:02.000Z');
    expect(await queue.expire(new Date('2030-01-01T00:00:02.000Z'))).toEqual([]);
    expect((await queue.expire(new Date('2030-01-01T00:00:02.001Z'))).map((j) => j.id)).toEqual([job.id]);
  });

  it('takes back only the cursors it wrote, byte for byte', async () => {
    const queue = new SqliteJobQueue(open(':memory:'));
    for (let n = 0; n < 3; n++) await queue.submit('A', input(n));
    const { nextCursor } = await queue.list('A', { limit: 1 });
    expect((await queue.list('A', { limit: 1, cursor: nextCursor! })).items).toHaveLength(1);
    // Decodes to a number (10) but is not what list wrote: refused rather than guessed at.
    const lookalike = Buffer.from('1e1').toString('base64url');
    await expect(queue.list('A', { limit: 1, cursor: lookalike })).rejects.toMatchObject({
      code: 'ERR_INVALID_CURSOR',
      message: `Expected the nextCursor of a previous page but got '${lookalike}'`,
    });
  });

  it('lists in the order jobs were made, even when the clock steps back', async () => {
    let now = Date.parse('2030-01-01T01:00:00.000Z');
    const queue = new SqliteJobQueue(open(':memory:'), { now: () => new Date(now) });
    const older = (await queue.submit('A', input(1))).job;
    now -= 3600_000;
    const newer = (await queue.submit('A', input(2))).job;
    expect((await queue.list('A', { limit: 10 })).items.map((job) => job.id)).toEqual([newer.id, older.id]);
  });

  it('keeps notifying the other listeners, and the change, when a listener throws', async () => {
    const queue = new SqliteJobQueue(open(':memory:'));
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    let heard = 0;
    queue.onQueued(() => {
      throw new Error('listener bug');
    });
    queue.onQueued(() => heard++);
    try {
      const { job } = await queue.submit('A', input());
      expect(heard).toBe(1);
      expect(warn).toHaveBeenCalledWith(expect.objectContaining({ message: 'listener bug' }));
      expect(await queue.get('A', job.id)).not.toBeNull();
    } finally {
      warn.mockRestore();
    }
  });

  it('drops its listeners on close but leaves the database to its owner', async () => {
    const db = open(':memory:');
    const queue = new SqliteJobQueue(db);
    let heard = 0;
    queue.onQueued(() => heard++);
    queue.subscribe(() => heard++);
    await queue.close();
    await queue.submit('A', input());
    await queue.claim();
    expect(heard).toBe(0);
    expect(db.open).toBe(true);
  });
});
