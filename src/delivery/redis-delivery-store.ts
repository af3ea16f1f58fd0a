// Delivery tasks in Redis, for several API nodes sharing them: every node adds tasks and runs a
// dispatcher on the same store. Every change is one Lua script (redis-delivery-scripts.ts, where
// the keys are listed), so:
// - a claim is atomic: each due task goes to one node;
// - a claimed task carries a lease (its kind's attempt timeout and a margin, from the dispatcher);
//   a claim also takes a 'sending' task whose lease ran out (its node died), counting a new
//   attempt, so nothing is stranded and no start-time recover() is needed (or safe: at any time
//   other nodes may be sending);
// - the outcome of an attempt is written only if the task was not claimed again meanwhile;
// - automatic tasks are unique per (job, kind) across nodes: two nodes hearing the same finished
//   job add one task;
// - counts by status are kept in hashes by the same scripts, so counts() reads one hash.
// Reads (get, list, forJob) are plain commands: a task removed while read is left out.
// The store uses a connected client and never opens or closes it.
import type { Redis } from 'ioredis';
import {
  DELIVERY_STATUSES,
  newDeliveryId,
  shownTarget,
  zeroCounts,
  type AttemptOutcome,
  type DeliveryKind,
  type DeliveryRecord,
  type DeliveryStatus,
  type DeliveryStore,
  type DeliveryTask,
  type NewDelivery,
} from './delivery-store.js';
import { defineScript, fromPairs, type RedisScript } from '../storage/redis-script.js';
import { scriptSource, SCRIPTS, type ScriptName } from './redis-delivery-scripts.js';

type Hash = Record<string, string>;
type Fields = Record<string, string | null>;

const toRecord = (h: Hash): DeliveryRecord => ({
  id: h.id!,
  keyId: h.keyId!,
  jobId: h.jobId!,
  kind: h.kind as DeliveryKind,
  target: h.target!,
  status: h.status as DeliveryStatus,
  attempts: Number(h.attempts),
  lastStatusCode: orNull(h.lastStatusCode),
  lastError: h.lastError ?? null,
  createdAt: h.createdAt!,
  updatedAt: h.updatedAt!,
  nextAttemptAt: h.nextAttemptAt ?? null,
  bytes: orNull(h.bytes),
  durationMs: orNull(h.durationMs),
});

const toTask = (h: Hash): DeliveryTask => ({ ...toRecord(h), url: h.url!, payload: h.payload ?? null });

function orNull(value: string | undefined): number | null {
  return value === undefined ? null : Number(value);
}

/** Fields as scripts take them: a count, the name/value pairs to set, then the names to delete. */
function fieldArgs(fields: Fields): string[] {
  const set = Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== null);
  const cleared = Object.keys(fields).filter((name) => fields[name] === null);
  return [String(set.length), ...set.flat(), ...cleared];
}

const text = (value: number | null) => (value === null ? null : String(value));

export class RedisDeliveryStore implements DeliveryStore {
  private readonly base: string;
  private readonly scripts = {} as Record<ScriptName, RedisScript>;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.base = `${prefix}:deliveries`;
    for (const name of Object.keys(SCRIPTS) as ScriptName[]) this.scripts[name] = defineScript(redis, name, scriptSource(name));
  }

  async add(task: NewDelivery): Promise<DeliveryRecord> {
    const now = new Date().toISOString();
    const due = task.dueAt ?? new Date();
    const id = newDeliveryId(task.kind);
    const fields: Fields = {
      id,
      keyId: task.keyId,
      jobId: task.jobId,
      kind: task.kind,
      url: task.url,
      target: shownTarget(task.url),
      payload: task.payload,
      auto: task.auto ? '1' : '0',
      status: 'pending',
      attempts: '0',
      createdAt: now,
      updatedAt: now,
      nextAttemptAt: due.toISOString(),
    };
    const flat = (await this.run('mcDeliveryAdd', id, task.keyId, task.jobId, task.kind, task.auto ? '1' : '0', due.getTime(), ...fieldArgs(fields))) as string[];
    return toRecord(fromPairs(flat));
  }

  async get(keyId: string, id: string): Promise<DeliveryRecord | null> {
    const hash = await this.redis.hgetall(this.taskKey(id));
    return hash.keyId === keyId ? toRecord(hash) : null;
  }

  async forJob(keyId: string, jobId: string): Promise<DeliveryRecord[]> {
    const tasks = await this.tasks(await this.redis.zrange(`${this.base}:job:${jobId}`, 0, -1));
    return tasks.filter((task) => task.keyId === keyId);
  }

  async list(keyId: string, kind: DeliveryKind, limit: number): Promise<DeliveryRecord[]> {
    // ZREVRANGE 0 -1 would be every task.
    if (limit < 1) return [];
    return this.tasks(await this.redis.zrevrange(`${this.base}:list:${keyId}:${kind}`, 0, limit - 1));
  }

  async counts(kind?: DeliveryKind, keyId?: string): Promise<Record<DeliveryStatus, number>> {
    const hash = await this.redis.hgetall(keyId === undefined ? `${this.base}:counts` : `${this.base}:keycounts:${keyId}`);
    const counts = zeroCounts();
    for (const [field, n] of Object.entries(hash)) {
      const [fieldKind, status] = field.split(':') as [DeliveryKind, DeliveryStatus];
      if ((kind === undefined || fieldKind === kind) && DELIVERY_STATUSES.includes(status)) counts[status] += Number(n);
    }
    return counts;
  }

  async removeForJob(jobId: string): Promise<void> {
    await this.run('mcDeliveryRemoveJob', jobId);
  }

  async claimDue(now: Date, limit: number, leaseMs: Record<DeliveryKind, number>): Promise<DeliveryTask[]> {
    const claimed = (await this.run('mcDeliveryClaim', now.getTime(), now.toISOString(), limit, leaseMs.webhook, leaseMs.forward)) as string[][];
    return claimed.map((flat) => toTask(fromPairs(flat)));
  }

  async nextDueAt(): Promise<number | null> {
    const [, score] = await this.redis.zrange(`${this.base}:due`, 0, 0, 'WITHSCORES');
    return score === undefined ? null : Number(score);
  }

  async settle(id: string, attempt: number, outcome: AttemptOutcome): Promise<boolean> {
    const fields: Fields = {
      status: outcome.status,
      lastStatusCode: text(outcome.statusCode),
      lastError: outcome.error,
      bytes: text(outcome.bytes),
      durationMs: text(outcome.durationMs),
      nextAttemptAt: outcome.nextAttemptAt?.toISOString() ?? null,
      updatedAt: new Date().toISOString(),
      leaseUntil: null,
    };
    const written = await this.run('mcDeliverySettle', id, attempt, outcome.status, outcome.nextAttemptAt?.getTime() ?? '', ...fieldArgs(fields));
    return written === 1;
  }

  async retarget(id: string, url: string): Promise<void> {
    await this.run('mcDeliveryRetarget', id, ...fieldArgs({ url, target: shownTarget(url) }));
  }

  private taskKey(id: string): string {
    return `${this.base}:task:${id}`;
  }

  /** The tasks of these ids, in this order, leaving out any removed meanwhile. */
  private async tasks(ids: string[]): Promise<DeliveryRecord[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.taskKey(id));
    const records: DeliveryRecord[] = [];
    for (const [error, hash] of (await pipeline.exec())!) {
      if (error) throw error;
      if ((hash as Hash).id !== undefined) records.push(toRecord(hash as Hash));
    }
    return records;
  }

  private run(script: ScriptName, ...args: Array<string | number>): Promise<unknown> {
    return this.scripts[script](this.base, ...args);
  }
}
