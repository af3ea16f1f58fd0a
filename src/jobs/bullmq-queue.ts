// The distributed job queue: jobs on Redis, dispatched through BullMQ, for several API and render
// nodes sharing one Redis. It passes the same contract as the embedded SQLite queue.
//
// What lives where
// - Our record of a job is a Redis hash (status, progress, stage, attempts, interruptions, input,
//   report, result, error, cancelRequested, times, keyId); its event log a sorted set of event
//   JSON scored by event id, ids from one INCR counter (increasing across all jobs); list-by-key,
//   by-status and finished-since are sorted sets; an idempotency key is a string that expires after
//   24 h. The hash is the truth about a job. Every change is one Lua script (bullmq-scripts.ts), so
//   a claim, a cancel and a completion never interleave on a job.
// - BullMQ dispatches: submit adds a BullMQ job whose id is ours; claim() takes the next one with a
//   Worker in manual mode (`getNextJob(token)`, never blocking), keeps its lock (renewed here every
//   lockDuration/2) until the job ends or is released, then finishes the BullMQ job, which BullMQ
//   removes at once (our record keeps what matters; expire() is our retention).
//   A BullMQ job whose record is no longer queued when claimed (cancelled or removed meanwhile) is
//   dropped and the claim takes the next: BullMQ only ever says "this one may be next".
// - Fairness between keys is BullMQ priorities: each job gets a slot (a key with nothing queued:
//   the next round; a key with a backlog: one after its last), slot = priority, and BullMQ serves
//   lower priorities first and equal ones in order. So keys take turns and each key's jobs go
//   oldest first. Slots restart from 1 whenever the queue drains; past BullMQ's maximum priority
//   (2^21 - 1, a queue that never drained for that many rounds) jobs share the last slot (FIFO).
//   A job put back (release, recovery) goes at the front of the current round.
//   One difference from SQLite's turns: a key with nothing queued joins the next round, behind a
//   key already waiting in it (SQLite serves the key served longest ago first). In exchange a key
//   that sends one job at a time, each after the last was taken, can never jump ahead of a backlog.
// - Notifications: the scripts PUBLISH on one channel per namespace; every node (this one too)
//   hears events, wake-ups and cancel requests from there, so an API node sees what a render node
//   records. A call resolves once this node has heard the messages its own script published, so
//   listeners have heard a change when the call that made it returns, in the order of Redis.
//   If the subscriber connection is down, a call waits HEAR_TIMEOUT_MS at most, then returns (the
//   change is made); messages published while it was away are not heard again (pub/sub keeps
//   nothing): followers catch up from events(), whose log is in Redis.
// - Namespace: BullMQ keys `<prefix>:<name>:…`, ours `<prefix>:<name>:mc:…`. For Redis Cluster give
//   a prefix in braces (`{mixchain}`): the scripts touch keys they compute from the base.
//
// Interrupted jobs
// - recover() puts back (once; at the second interruption fails with ERR_INTERRUPTED) every job
//   left processing whose BullMQ lock is gone or held by this queue: at start a node holds none,
//   so that is "every job no live process runs". A job of a live node (its lock renewed) is left
//   alone. A node that died less than lockDuration ago still holds its locks: its jobs wait for
//   the next recover or for BullMQ.
// - Render nodes (option stalledIntervalMs) run BullMQ's stalled-job check, which puts a job whose
//   lock lapsed back in BullMQ's wait list; the claim that gets it sees a record still processing
//   and counts an interruption (START in bullmq-scripts.ts), so the once-then-ERR_INTERRUPTED rule
//   holds without a recover(). BullMQ runs one check per interval for the whole queue, so a dead
//   node's job restarts elsewhere within lockDuration + 2 × stalledInterval (20 s + 2 × 5 s on a render node).
// - A run is checked against the record's: a node that lost its lock while it still rendered (cut
//   off from Redis longer than lockDuration) cannot report on or end the run another node started
//   since; its calls throw ERR_JOB_STATE and the other node's result stands.
// - submit writes our record, then adds the BullMQ job: a process that dies in between leaves a
//   queued record without a BullMQ job; recover() adds the missing ones.
import { randomUUID } from 'node:crypto';
import { Job, Queue, Worker } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { describe, invalidArgument, MixchainError } from '../errors.js';
import { JOB_STATUSES, type JobError, type JobEvent, type JobInput, type JobQueue, type JobRecord } from './queue.js';
import type { JobResult, JobStatus, ListQuery, QueueCounts, SubmitOptions } from './queue.js';
import { scriptSource, SCRIPTS, type ScriptName } from './bullmq-scripts.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { listen, tell, type Listeners } from './listeners.js';

const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;
const MAX_INTERRUPTIONS = 2;
const INTERRUPTED: JobError = {
  code: 'ERR_INTERRUPTED',
  message: `The job was interrupted twice (its process died while rendering it), so it is not run again: it may be what kills the process`,
};
/** How long a call waits to hear its own notifications before it returns anyway (Redis away). */
const HEAR_TIMEOUT_MS = 5000;
const BULL_JOB_NAME = 'render';

export interface BullmqJobQueueOptions {
  /** A redis:// URL or ioredis options. */
  connection: string | RedisOptions;
  /** Key prefix (BullMQ's `prefix`), default `mixchain`. */
  prefix?: string;
  /** The BullMQ queue name, default `jobs`. */
  name?: string;
  /** BullMQ lock duration of a claimed job, renewed every quarter of it; default 20 s. */
  lockDuration?: number;
  /**
   * Run BullMQ's stalled-job check every this many ms (render nodes do; default: off): a job whose
   * node died (its lock lapsed) goes back to the queue within lockDuration + 2 × this.
   */
  stalledIntervalMs?: number;
  now?: () => Date;
}

type Reply = [string, number, ...unknown[]];
type Message = { o: string; k: 'event'; e: JobEvent } | { o: string; k: 'queued' } | { o: string; k: 'cancel'; id: string };

interface Held {
  job: Job;
  token: string;
  /** The run this node started: what it reports and ends is checked against the record's. */
  attempt: number;
}

function toRecord(flat: unknown): JobRecord | null {
  const list = flat as string[];
  if (!Array.isArray(list) || list.length === 0) return null;
  const h: Record<string, string> = {};
  for (let i = 0; i + 1 < list.length; i += 2) h[list[i]!] = list[i + 1]!;
  return {
    id: h.id!,
    keyId: h.keyId!,
    status: h.status as JobStatus,
    progress: Number(h.progress),
    stage: h.stage ?? null,
    attempts: Number(h.attempts),
    interruptions: Number(h.interruptions),
    createdAt: h.createdAt!,
    startedAt: h.startedAt ?? null,
    finishedAt: h.finishedAt ?? null,
    input: JSON.parse(h.input!) as JobInput,
    report: JSON.parse(h.report ?? 'null') as unknown,
    result: h.result === undefined ? null : (JSON.parse(h.result) as JobResult),
    error: h.error === undefined ? null : (JSON.parse(h.error) as JobError),
    cancelRequested: h.cancelRequested === '1',
  };
}

function stateError(id: string, status: string): MixchainError {
  return new MixchainError('ERR_JOB_STATE', `Expected a processing job but job ${id} ${status ? `is ${status}` : 'does not exist'}`);
}

export class BullmqJobQueue implements JobQueue {
  private readonly now: () => Date;
  private readonly base: string;
  private readonly node = randomUUID();
  private calls = 0;
  private readonly eventListeners: Listeners<JobEvent> = new Set();
  private readonly queuedListeners: Listeners<undefined> = new Set();
  private readonly cancelListeners: Listeners<string> = new Set();
  /** Calls waiting to hear their own messages: how many arrived, and how many to wait for. */
  private readonly hearing = new Map<string, { heard: number; expected: number; done: () => void }>();
  private readonly held = new Map<string, Held>();
  private readonly renewal: NodeJS.Timeout;
  private closed = false;

  private constructor(
    private readonly redis: Redis,
    private readonly subscriber: Redis,
    private readonly queue: Queue,
    private readonly worker: Worker,
    private readonly lockDuration: number,
    prefix: string,
    name: string,
    now: () => Date,
  ) {
    this.now = now;
    this.base = `${prefix}:${name}:mc`;
    for (const script of Object.keys(SCRIPTS) as ScriptName[]) redis.defineCommand(script, { numberOfKeys: 1, lua: scriptSource(script) });
    subscriber.on('message', (_channel: string, text: string) => this.hear(text));
    // A lapsed subscription loses messages (pub/sub keeps none): runners look for work again.
    subscriber.on('ready', () => tell(this.queuedListeners, undefined));
    // Four renewals per lock: a healthy node keeps its jobs through three missed ones.
    this.renewal = setInterval(() => void this.tendHeld(), Math.max(250, lockDuration / 4));
    this.renewal.unref();
  }

  /** Connects (commands, pub/sub, BullMQ's queue and worker) and subscribes before it returns. */
  static async open(options: BullmqJobQueueOptions): Promise<BullmqJobQueue> {
    const prefix = options.prefix ?? 'mixchain';
    const name = options.name ?? 'jobs';
    const lockDuration = options.lockDuration ?? 20_000;
    // BullMQ's worker needs maxRetriesPerRequest null (commands wait for a reconnection).
    const settings: RedisOptions = { maxRetriesPerRequest: null, lazyConnect: true };
    const connect = () =>
      typeof options.connection === 'string' ? new Redis(options.connection, settings) : new Redis({ ...options.connection, ...settings });
    const redis = connect();
    const subscriber = connect();
    const opened: Array<{ quit(): Promise<unknown> } | { close(): Promise<void> }> = [];
    try {
      for (const client of [redis, subscriber]) {
        client.on('error', () => {}); // ioredis reconnects by itself; failed calls reject
        await client.connect();
        opened.push(client);
      }
      const queue = new Queue(name, { connection: redis, prefix });
      opened.push(queue);
      // maxStalledCount is high: BullMQ only hands a stalled job back; START counts the
      // interruption and fails the job at the second (our rule, the same as SQLite's).
      const stalledInterval = options.stalledIntervalMs ?? 30_000;
      const worker = new Worker(name, undefined, { connection: redis, prefix, autorun: false, lockDuration, maxStalledCount: 1000, stalledInterval });
      opened.push(worker);
      worker.on('error', () => {});
      queue.on('error', () => {});
      await Promise.all([queue.waitUntilReady(), worker.waitUntilReady()]);
      const jobs = new BullmqJobQueue(redis, subscriber, queue, worker, lockDuration, prefix, name, options.now ?? (() => new Date()));
      await subscriber.subscribe(`${jobs.base}:notify`);
      if (options.stalledIntervalMs !== undefined) {
        // A job handed back waits in BullMQ's list, which no runner watches: wake every node's.
        worker.on('stalled', () => void jobs.run('mcAnnounce').catch(() => {}));
        await worker.startStalledCheckTimer();
      }
      return jobs;
    } catch (error) {
      for (const thing of opened.reverse()) await ('quit' in thing ? thing.quit() : thing.close()).catch(() => {});
      redis.disconnect();
      subscriber.disconnect();
      throw error;
    }
  }

  // --- the API side ---------------------------------------------------------------------------

  async submit(keyId: string, input: JobInput, options: SubmitOptions = {}): Promise<{ job: JobRecord; created: boolean }> {
    const { idempotencyKey, fingerprint = '' } = options;
    const id = randomUUID();
    const idem = idempotencyKey === undefined ? '' : `${this.base}:idem:${keyId.length}:${keyId}:${idempotencyKey}`;
    const reply = await this.run('mcSubmit', id, keyId, JSON.stringify(input), idem, fingerprint, IDEMPOTENCY_WINDOW_MS);
    const [outcome] = reply;
    if (outcome === 'mismatch') {
      const [, , jobId, seen] = reply as [string, number, string, string];
      throw new MixchainError(
        'ERR_IDEMPOTENCY_MISMATCH',
        `Expected the request of job ${jobId} (fingerprint ${describe(seen)}) again for idempotency key ` +
          `${describe(idempotencyKey)} but got fingerprint ${describe(fingerprint)}`,
      );
    }
    const job = toRecord(reply[2])!;
    if (outcome === 'seen') return { job, created: false };
    await this.dispatch(id, Number(reply[3]));
    return { job, created: true };
  }

  async recordCompleted(keyId: string, input: JobInput, report: unknown, result: (id: string) => Promise<JobResult>): Promise<JobRecord> {
    const id = randomUUID();
    const stored = await result(id);
    const reply = await this.run('mcRecordCompleted', id, keyId, JSON.stringify(input), JSON.stringify(report ?? null), JSON.stringify(stored));
    return toRecord(reply[2])!;
  }

  async get(keyId: string, id: string): Promise<JobRecord | null> {
    const job = await this.find(id);
    return job?.keyId === keyId ? job : null;
  }

  async find(id: string): Promise<JobRecord | null> {
    return toRecord(await this.redis.hgetall(this.jobKey(id)).then(flatten));
  }

  async finishedSince(since: Date): Promise<JobRecord[]> {
    const ids = await this.redis.zrangebyscore(`${this.base}:finished`, since.getTime(), '+inf');
    const jobs = await this.records(ids);
    const seqs = await this.seqs(jobs.map((job) => job.id));
    return jobs.sort((a, b) => a.finishedAt!.localeCompare(b.finishedAt!) || seqs.get(a.id)! - seqs.get(b.id)!);
  }

  async list(keyId: string, { status, limit, cursor }: ListQuery): Promise<{ items: JobRecord[]; nextCursor: string | null }> {
    if (!Number.isSafeInteger(limit) || limit < 1) throw invalidArgument('limit', 'a positive integer', limit);
    const before = cursor === undefined ? '+inf' : `(${decodeCursor(cursor)}`;
    const index = status === undefined ? `${this.base}:bykey:${keyId}` : `${this.base}:keystatus:${status}:${keyId}`;
    const page = await this.redis.zrevrangebyscore(index, before, '-inf', 'WITHSCORES', 'LIMIT', 0, limit + 1);
    const ids: string[] = [];
    const scores: number[] = [];
    for (let i = 0; i + 1 < page.length; i += 2) {
      ids.push(page[i]!);
      scores.push(Number(page[i + 1]));
    }
    const shown = ids.slice(0, limit);
    const items = await this.records(shown);
    return { items, nextCursor: ids.length > limit ? encodeCursor(scores[limit - 1]!) : null };
  }

  async cancel(keyId: string, id: string): Promise<JobRecord | null> {
    const reply = await this.run('mcCancel', id, keyId);
    const [outcome] = reply;
    if (outcome === 'none') return null;
    if (outcome === 'finished') {
      throw new MixchainError('ERR_JOB_FINISHED', `Expected a queued or processing job but job ${id} is ${String(reply[2])}`);
    }
    // Cancelled while queued: its BullMQ job goes. If a claim took it meanwhile, that claim finds
    // the record cancelled and drops it.
    if (outcome === 'cancelled') await this.undispatch(id);
    return toRecord(reply[2]);
  }

  async remove(keyId: string, id: string): Promise<JobRecord | null> {
    const reply = await this.run('mcRemove', id, keyId);
    if (reply[0] === 'none') return null;
    await this.undispatch(id);
    return toRecord(reply[2]);
  }

  async events(keyId: string, id: string, afterId: number): Promise<JobEvent[] | null> {
    const [owner, events] = await this.redis
      .multi()
      .hget(this.jobKey(id), 'keyId')
      .zrangebyscore(`${this.base}:events:${id}`, `(${afterId}`, '+inf')
      .exec()
      .then((results) => results!.map(([error, value]) => {
        if (error) throw error;
        return value;
      }));
    if (owner !== keyId) return null;
    return (events as string[]).map(toEvent);
  }

  subscribe(listener: (event: JobEvent) => void): () => void {
    return listen(this.eventListeners, listener);
  }

  async counts(): Promise<QueueCounts> {
    const pipeline = this.redis.pipeline();
    for (const status of JOB_STATUSES) pipeline.zcard(`${this.base}:status:${status}`);
    const results = (await pipeline.exec())!;
    const counts = {} as QueueCounts;
    JOB_STATUSES.forEach((status, i) => {
      const [error, value] = results[i]!;
      if (error) throw error;
      counts[status] = Number(value);
    });
    return counts;
  }

  // --- the runner side ------------------------------------------------------------------------

  onQueued(listener: () => void): () => void {
    return listen(this.queuedListeners, listener);
  }

  onCancelRequest(listener: (id: string) => void): () => void {
    return listen(this.cancelListeners, listener);
  }

  async claim(): Promise<JobRecord | null> {
    for (;;) {
      const token = `${this.node}:${++this.calls}`;
      const next = await this.worker.getNextJob(token, { block: false });
      if (!next?.id) return null;
      const reply = await this.run('mcStart', next.id, MAX_INTERRUPTIONS, JSON.stringify(INTERRUPTED));
      if (reply[0] === 'started') {
        const job = toRecord(reply[2])!;
        this.held.set(next.id, { job: next, token, attempt: job.attempts });
        return job;
      }
      // Stale (cancelled or removed while it waited) or ended by its interruptions: drop, take the next.
      await this.finishDispatch(next, token);
    }
  }

  async progress(id: string, progress: number, stage: string): Promise<void> {
    if (!Number.isFinite(progress)) throw invalidArgument('progress', 'a number from 0 to 100', progress);
    const value = Math.min(100, Math.max(0, Math.round(progress)));
    await this.run('mcProgress', id, value, stage, this.attemptOf(id));
  }

  async complete(id: string, report: unknown, result: JobResult): Promise<JobRecord> {
    return this.end(id, 'completed', JSON.stringify(report ?? null), JSON.stringify(result), '');
  }

  async fail(id: string, error: JobError): Promise<JobRecord> {
    return this.end(id, 'failed', 'null', '', JSON.stringify(error));
  }

  async cancelled(id: string): Promise<JobRecord> {
    return this.end(id, 'cancelled', 'null', '', '');
  }

  async release(id: string): Promise<void> {
    const reply = await this.run('mcRelease', id, this.attemptOf(id));
    if (reply[0] === 'superseded') throw this.superseded(id);
    if (reply[0] === 'state') throw stateError(id, String(reply[2]));
    await this.releaseHeld(id);
    if (reply[0] === 'requeued') await this.dispatch(id, Number(reply[2]));
  }

  async recover(): Promise<{ requeued: string[]; failed: string[] }> {
    const requeued: string[] = [];
    const failed: string[] = [];
    for (const id of await this.redis.zrange(`${this.base}:status:processing`, 0, -1)) {
      const lock = await this.redis.get(`${this.queue.toKey(id)}:lock`);
      const mine = this.held.get(id);
      if (lock !== null && lock !== mine?.token) continue; // a live node runs it
      const reply = await this.run('mcInterrupt', id, MAX_INTERRUPTIONS, JSON.stringify(INTERRUPTED));
      if (reply[0] === 'skipped') continue;
      await this.releaseHeld(id);
      await this.undispatch(id);
      if (reply[0] === 'failed') failed.push(id);
      else requeued.push(id); // as the SQLite queue does, a job ended cancelled here counts as put back
      if (reply[0] === 'requeued') await this.dispatch(id, Number(reply[2]));
    }
    // Queued records whose BullMQ job never got added (a process died between the two).
    for (const id of await this.redis.zrange(`${this.base}:status:queued`, 0, -1)) {
      if ((await this.queue.getJobState(id)) === 'unknown') {
        const slot = Number((await this.redis.hget(this.jobKey(id), 'slot')) ?? 1);
        await this.dispatch(id, slot);
      }
    }
    return { requeued, failed };
  }

  async expire(before: Date): Promise<JobRecord[]> {
    const reply = await this.run('mcExpire', before.getTime());
    return (reply[2] as unknown[]).map((flat) => toRecord(flat)!);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.renewal);
    this.eventListeners.clear();
    this.queuedListeners.clear();
    this.cancelListeners.clear();
    for (const waiter of this.hearing.values()) waiter.done();
    this.hearing.clear();
    // Jobs still held keep their BullMQ lock until it lapses: as when the process dies.
    this.held.clear();
    await this.worker.close(true);
    await this.queue.close();
    await this.subscriber.quit().catch(() => this.subscriber.disconnect());
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  // --- inside ---------------------------------------------------------------------------------

  private jobKey(id: string): string {
    return `${this.base}:job:${id}`;
  }

  /** Runs a script, then waits until this node heard the messages it published. */
  private async run(script: ScriptName, ...args: Array<string | number>): Promise<Reply> {
    const nonce = `${this.node}:${++this.calls}`;
    const now = this.now();
    let done!: () => void;
    const heard = new Promise<void>((resolve) => (done = resolve));
    const waiter = { heard: 0, expected: Number.POSITIVE_INFINITY, done };
    this.hearing.set(nonce, waiter);
    try {
      const command = (this.redis as unknown as Record<ScriptName, (...a: unknown[]) => Promise<Reply>>)[script];
      const reply = await command.call(this.redis, this.base, nonce, now.toISOString(), now.getTime(), ...args);
      waiter.expected = Number(reply[1]);
      if (waiter.heard < waiter.expected) {
        const timer = setTimeout(done, HEAR_TIMEOUT_MS);
        await heard;
        clearTimeout(timer);
      }
      return reply;
    } finally {
      this.hearing.delete(nonce);
    }
  }

  private hear(text: string): void {
    let message: Message;
    try {
      message = JSON.parse(text) as Message;
    } catch {
      return;
    }
    if (message.k === 'event') tell(this.eventListeners, { ...message.e, stage: message.e.stage ?? null });
    else if (message.k === 'queued') tell(this.queuedListeners, undefined);
    else if (message.k === 'cancel') tell(this.cancelListeners, message.id);
    const waiter = this.hearing.get(message.o);
    if (waiter && ++waiter.heard >= waiter.expected) waiter.done();
  }

  private async end(id: string, status: 'completed' | 'failed' | 'cancelled', report: string, result: string, error: string): Promise<JobRecord> {
    const reply = await this.run('mcEnd', id, status, report, result, error, this.attemptOf(id));
    if (reply[0] === 'superseded') throw this.superseded(id);
    // Whatever the record says, a BullMQ job this node holds for it is done with.
    await this.releaseHeld(id);
    if (reply[0] === 'state') throw stateError(id, String(reply[2]));
    return toRecord(reply[2])!;
  }

  private async dispatch(id: string, slot: number): Promise<void> {
    await this.queue.add(BULL_JOB_NAME, {}, { jobId: id, priority: Math.max(1, slot), removeOnComplete: true, removeOnFail: true });
    await this.run('mcAnnounce');
  }

  /** Finishes (and so removes) the BullMQ job this node holds for `id`, if any. */
  private async releaseHeld(id: string): Promise<void> {
    const held = this.held.get(id);
    if (!held) return;
    this.held.delete(id);
    await this.finishDispatch(held.job, held.token);
  }

  private async finishDispatch(job: Job, token: string): Promise<void> {
    try {
      await job.moveToCompleted(null, token, false);
    } catch {
      await this.undispatch(job.id!);
    }
  }

  /** Removes the BullMQ job of `id` whatever its state; a lock of a dead node is overridden. */
  private async undispatch(id: string): Promise<void> {
    try {
      if ((await this.queue.remove(id)) === 1) return;
    } catch {
      // locked: it is active
    }
    const job = await Job.fromId(this.queue, id).catch(() => undefined);
    if (!job) return;
    // Token '0': BullMQ skips the lock check (the lock's owner is gone, or the record is).
    await job.moveToCompleted(null, '0', false).catch(() => job.remove().catch(() => {}));
  }

  /** The run this node held was handed to another node: forget it, leave that node's BullMQ job alone. */
  private superseded(id: string): MixchainError {
    const attempt = this.held.get(id)?.attempt;
    this.held.delete(id);
    return new MixchainError(
      'ERR_JOB_STATE',
      `Expected to end run ${attempt} of job ${id}, which this node started, but its lock lapsed and another node runs the job again`,
    );
  }

  /** The run of `id` this node holds ('' when it holds none: any run may be ended). */
  private attemptOf(id: string): string {
    const held = this.held.get(id);
    return held ? String(held.attempt) : '';
  }

  /**
   * Renews the locks of the jobs this node runs, and re-hears cancel requests for them: a request
   * published while the subscription was down is in the record, so it arrives at most one
   * renewal late instead of never.
   */
  private async tendHeld(): Promise<void> {
    const held = [...this.held.entries()];
    if (held.length === 0) return;
    for (const [, { job, token }] of held) job.extendLock(token, this.lockDuration).catch(() => {});
    const pipeline = this.redis.pipeline();
    for (const [id] of held) pipeline.hget(this.jobKey(id), 'cancelRequested');
    const replies = await pipeline.exec().catch(() => null);
    replies?.forEach(([error, value], i) => {
      if (!error && value === '1') tell(this.cancelListeners, held[i]![0]);
    });
  }

  private async records(ids: string[]): Promise<JobRecord[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.jobKey(id));
    const results = (await pipeline.exec())!;
    const jobs: JobRecord[] = [];
    for (const [error, value] of results) {
      if (error) throw error;
      const job = toRecord(flatten(value as Record<string, string>));
      if (job) jobs.push(job);
    }
    return jobs;
  }

  private async seqs(ids: string[]): Promise<Map<string, number>> {
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hget(this.jobKey(id), 'seq');
    const results = ids.length ? (await pipeline.exec())! : [];
    return new Map(ids.map((id, i) => [id, Number(results[i]![1])]));
  }
}

function flatten(hash: Record<string, string>): string[] {
  return Object.entries(hash).flat();
}

function toEvent(text: string): JobEvent {
  const event = JSON.parse(text) as JobEvent;
  return { id: event.id, jobId: event.jobId, type: event.type, attempt: event.attempt, progress: event.progress, stage: event.stage ?? null };
}
