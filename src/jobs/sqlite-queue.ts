// The embedded job queue: jobs, their event log and idempotency keys in the service's SQLite
// database. Every change runs in one IMMEDIATE transaction: it takes the write lock before it
// reads, so a claim on another connection to the same file waits rather than reading the same
// queued job. Listeners hear about a change only after it committed.
import { randomUUID } from 'node:crypto';
import { describe, invalidArgument, MixchainError } from '../errors.js';
import type { Db } from '../storage/database.js';
import { JOB_STATUSES, type JobError, type JobEvent, type JobEventType, type JobInput, type JobQueue, type JobRecord } from './queue.js';
import type { JobResult, JobStatus, ListQuery, QueueCounts, SubmitOptions } from './queue.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { listen, tell, type Listeners } from './listeners.js';

const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;
/** A job whose process died this many times is failed rather than run again: it may be the cause. */
const MAX_INTERRUPTIONS = 2;
const INTERRUPTED: JobError = {
  code: 'ERR_INTERRUPTED',
  message: `The job was interrupted twice (its process died while rendering it), so it is not run again: it may be what kills the process`,
};

// AUTOINCREMENT (not plain rowids) so a deleted job's seq or event id is never reused: cursors
// and SSE resume ids stay valid. Events and idempotency rows go with their job (foreign keys are
// on in openDatabase).
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, key_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'processing', 'completed', 'failed', 'cancelled')),
    progress INTEGER NOT NULL, stage TEXT, attempts INTEGER NOT NULL, interruptions INTEGER NOT NULL,
    cancel_requested INTEGER NOT NULL, created_at TEXT NOT NULL, started_at TEXT, finished_at TEXT,
    input TEXT NOT NULL, report TEXT NOT NULL, result TEXT, error TEXT
  );
  CREATE INDEX IF NOT EXISTS jobs_by_key ON jobs (key_id, seq);
  CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status, seq);
  CREATE TABLE IF NOT EXISTS job_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT, job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    type TEXT NOT NULL, attempt INTEGER NOT NULL, progress INTEGER NOT NULL, stage TEXT
  );
  CREATE INDEX IF NOT EXISTS job_events_by_job ON job_events (job_id, id);
  CREATE TABLE IF NOT EXISTS job_idempotency (
    key_id TEXT NOT NULL, idem_key TEXT NOT NULL, fingerprint TEXT NOT NULL,
    job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE, created_at TEXT NOT NULL,
    PRIMARY KEY (key_id, idem_key)
  );
  CREATE INDEX IF NOT EXISTS job_idempotency_by_job ON job_idempotency (job_id);
  -- The order keys last had a job claimed in: a counter, not a time, so that turns never tie.
  CREATE TABLE IF NOT EXISTS job_key_turns (key_id TEXT PRIMARY KEY, turn INTEGER NOT NULL);
`;

interface JobRow {
  seq: number; id: string; key_id: string; status: JobStatus; progress: number; stage: string | null;
  attempts: number; interruptions: number; cancel_requested: number; created_at: string; started_at: string | null;
  finished_at: string | null; input: string; report: string; result: string | null; error: string | null;
}

function toRecord(row: JobRow): JobRecord {
  const { id, key_id: keyId, status, progress, stage, attempts, interruptions } = row;
  return {
    id, keyId, status, progress, stage, attempts, interruptions,
    createdAt: row.created_at, startedAt: row.started_at, finishedAt: row.finished_at,
    input: JSON.parse(row.input) as JobInput,
    report: JSON.parse(row.report) as unknown,
    result: row.result === null ? null : (JSON.parse(row.result) as JobResult),
    error: row.error === null ? null : (JSON.parse(row.error) as JobError),
    cancelRequested: row.cancel_requested === 1,
  };
}

/** A record as the named parameters of the insert and save statements. */
function toParams(job: JobRecord): Record<string, unknown> {
  return {
    ...job,
    cancelRequested: job.cancelRequested ? 1 : 0,
    input: JSON.stringify(job.input),
    report: JSON.stringify(job.report ?? null),
    result: job.result === null ? null : JSON.stringify(job.result),
    error: job.error === null ? null : JSON.stringify(job.error),
  };
}


export class SqliteJobQueue implements JobQueue {
  private readonly now: () => Date;
  private readonly transaction: ReturnType<Db['transaction']>;
  private readonly sql;
  private readonly eventListeners: Listeners<JobEvent> = new Set();
  private readonly queuedListeners: Listeners<undefined> = new Set();
  private readonly cancelListeners: Listeners<string> = new Set();
  /** Notifications of the running transaction, sent once it commits. */
  private outbox: Array<() => void> = [];

  constructor(db: Db, options: { now?: () => Date } = {}) {
    this.now = options.now ?? (() => new Date());
    db.exec(SCHEMA);
    this.transaction = db.transaction((body: () => unknown) => body());
    this.sql = {
      insert: db.prepare(`INSERT INTO jobs (id, key_id, status, progress, stage, attempts, interruptions, cancel_requested,
        created_at, started_at, finished_at, input, report, result, error) VALUES (@id, @keyId, @status, @progress, @stage,
        @attempts, @interruptions, @cancelRequested, @createdAt, @startedAt, @finishedAt, @input, @report, @result, @error)`),
      save: db.prepare(`UPDATE jobs SET status = @status, progress = @progress, stage = @stage, attempts = @attempts,
        interruptions = @interruptions, cancel_requested = @cancelRequested, started_at = @startedAt, finished_at = @finishedAt,
        report = @report, result = @result, error = @error WHERE id = @id`),
      byId: db.prepare('SELECT * FROM jobs WHERE id = ?'),
      owned: db.prepare('SELECT * FROM jobs WHERE id = ? AND key_id = ?'),
      page: db.prepare(`SELECT * FROM jobs WHERE key_id = @keyId AND (@status IS NULL OR status = @status) AND seq < @before
        ORDER BY seq DESC LIMIT @limit`),
      // Round-robin: the key whose turn is oldest (never: 0) goes first, and its oldest job.
      next: db.prepare(`SELECT jobs.* FROM jobs LEFT JOIN job_key_turns USING (key_id) WHERE status = 'queued'
        ORDER BY coalesce(job_key_turns.turn, 0), seq LIMIT 1`),
      takeTurn: db.prepare(`INSERT INTO job_key_turns (key_id, turn) VALUES (?, (SELECT coalesce(max(turn), 0) + 1 FROM job_key_turns))
        ON CONFLICT (key_id) DO UPDATE SET turn = excluded.turn`),
      processing: db.prepare(`SELECT * FROM jobs WHERE status = 'processing' ORDER BY seq`),
      finishedBefore: db.prepare(`SELECT * FROM jobs WHERE status IN ('completed', 'failed', 'cancelled') AND finished_at < ? ORDER BY seq`),
      finishedSince: db.prepare(`SELECT * FROM jobs WHERE status IN ('completed', 'failed', 'cancelled') AND finished_at >= ? ORDER BY finished_at, seq`),
      delete: db.prepare('DELETE FROM jobs WHERE id = ?'),
      event: db.prepare('INSERT INTO job_events (job_id, type, attempt, progress, stage) VALUES (?, ?, ?, ?, ?)'),
      events: db.prepare('SELECT id, job_id AS jobId, type, attempt, progress, stage FROM job_events WHERE job_id = ? AND id > ? ORDER BY id'),
      idempotency: db.prepare('SELECT job_id AS jobId, fingerprint, created_at AS createdAt FROM job_idempotency WHERE key_id = ? AND idem_key = ?'),
      remember: db.prepare(`INSERT INTO job_idempotency (key_id, idem_key, fingerprint, job_id, created_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (key_id, idem_key) DO UPDATE SET fingerprint = excluded.fingerprint, job_id = excluded.job_id, created_at = excluded.created_at`),
      counts: db.prepare('SELECT status, count(*) AS n FROM jobs GROUP BY status'),
    };
  }

  async submit(keyId: string, input: JobInput, options: SubmitOptions = {}): Promise<{ job: JobRecord; created: boolean }> {
    const { idempotencyKey, fingerprint = '' } = options;
    return this.change(() => {
      const now = this.now();
      if (idempotencyKey !== undefined) {
        const seen = this.sql.idempotency.get(keyId, idempotencyKey) as { jobId: string; fingerprint: string; createdAt: string } | undefined;
        if (seen && now.getTime() - Date.parse(seen.createdAt) < IDEMPOTENCY_WINDOW_MS) {
          if (seen.fingerprint !== fingerprint) {
            throw new MixchainError(
              'ERR_IDEMPOTENCY_MISMATCH',
              `Expected the request of job ${seen.jobId} (fingerprint ${describe(seen.fingerprint)}) again for idempotency key ` +
                `${describe(idempotencyKey)} but got fingerprint ${describe(fingerprint)}`,
            );
          }
          // The row cascades away with its job, so the job is there.
          return { job: this.job(seen.jobId)!, created: false };
        }
      }
      const job = this.insert(this.fresh(keyId, input, now));
      if (idempotencyKey !== undefined) this.sql.remember.run(keyId, idempotencyKey, fingerprint, job.id, now.toISOString());
      this.later(this.queuedListeners, undefined);
      return { job, created: true };
    });
  }

  async recordCompleted(keyId: string, input: JobInput, report: unknown, result: (id: string) => Promise<JobResult>): Promise<JobRecord> {
    const id = randomUUID();
    const stored = await result(id);
    return this.change(() => {
      const now = this.now();
      const at = now.toISOString();
      const done = { status: 'completed', progress: 100, attempts: 1, startedAt: at, finishedAt: at, report, result: stored } as const;
      const job = this.insert({ ...this.fresh(keyId, input, now, id), ...done });
      this.record(job, 'completed');
      return job;
    });
  }

  async get(keyId: string, id: string): Promise<JobRecord | null> {
    return this.owned(keyId, id);
  }

  async find(id: string): Promise<JobRecord | null> {
    return this.job(id);
  }

  async finishedSince(since: Date): Promise<JobRecord[]> {
    return (this.sql.finishedSince.all(since.toISOString()) as JobRow[]).map(toRecord);
  }

  async list(keyId: string, { status, limit, cursor }: ListQuery): Promise<{ items: JobRecord[]; nextCursor: string | null }> {
    if (!Number.isSafeInteger(limit) || limit < 1) throw invalidArgument('limit', 'a positive integer', limit);
    // Newest first by seq, the order of creation: unlike created_at it never ties and never
    // runs backwards when the clock is set back.
    const before = cursor === undefined ? Number.MAX_SAFE_INTEGER : decodeCursor(cursor);
    const rows = this.sql.page.all({ keyId, status: status ?? null, before, limit: limit + 1 }) as JobRow[];
    const items = rows.slice(0, limit);
    return { items: items.map(toRecord), nextCursor: rows.length > limit ? encodeCursor(items[items.length - 1]!.seq) : null };
  }

  async cancel(keyId: string, id: string): Promise<JobRecord | null> {
    return this.change(() => {
      const job = this.owned(keyId, id);
      if (!job) return null;
      if (job.status === 'queued') return this.end(job, 'cancelled', {});
      if (job.status !== 'processing') {
        throw new MixchainError('ERR_JOB_FINISHED', `Expected a queued or processing job but job ${id} is ${job.status}`);
      }
      if (job.cancelRequested) return job;
      const requested = this.save({ ...job, cancelRequested: true });
      this.later(this.cancelListeners, id);
      return requested;
    });
  }

  async remove(keyId: string, id: string): Promise<JobRecord | null> {
    return this.change(() => {
      const job = this.owned(keyId, id);
      if (job) this.sql.delete.run(id);
      return job;
    });
  }

  async events(keyId: string, id: string, afterId: number): Promise<JobEvent[] | null> {
    if (!this.owned(keyId, id)) return null;
    return this.sql.events.all(id, afterId) as JobEvent[];
  }

  subscribe(listener: (event: JobEvent) => void): () => void {
    return listen(this.eventListeners, listener);
  }

  async counts(): Promise<QueueCounts> {
    const counts = Object.fromEntries(JOB_STATUSES.map((status) => [status, 0])) as unknown as QueueCounts;
    for (const { status, n } of this.sql.counts.all() as Array<{ status: JobStatus; n: number }>) counts[status] = n;
    return counts;
  }

  onQueued(listener: () => void): () => void {
    return listen(this.queuedListeners, listener);
  }

  onCancelRequest(listener: (id: string) => void): () => void {
    return listen(this.cancelListeners, listener);
  }

  async claim(): Promise<JobRecord | null> {
    return this.change(() => {
      const row = this.sql.next.get() as JobRow | undefined;
      if (!row) return null;
      this.sql.takeTurn.run(row.key_id);
      const started = { status: 'processing', startedAt: this.stamp(), attempts: row.attempts + 1, progress: 0, stage: null, cancelRequested: false } as const;
      const job = this.save({ ...toRecord(row), ...started });
      this.record(job, 'progress', 0, 'starting');
      return job;
    });
  }

  async progress(id: string, progress: number, stage: string): Promise<void> {
    if (!Number.isFinite(progress)) throw invalidArgument('progress', 'a number from 0 to 100', progress);
    const value = Math.min(100, Math.max(0, Math.round(progress)));
    this.change(() => {
      const job = this.job(id);
      // Reports that arrive late (the job ended, or was put back) or out of order are dropped.
      if (job?.status !== 'processing' || value < job.progress || (value === job.progress && stage === job.stage)) return;
      this.record(this.save({ ...job, progress: value, stage }), 'progress');
    });
  }

  async complete(id: string, report: unknown, result: JobResult): Promise<JobRecord> {
    return this.change(() => this.end(this.processing(id), 'completed', { progress: 100, report, result }));
  }

  async fail(id: string, error: JobError): Promise<JobRecord> {
    return this.change(() => this.end(this.processing(id), 'failed', { error }));
  }

  async cancelled(id: string): Promise<JobRecord> {
    return this.change(() => this.end(this.processing(id), 'cancelled', {}));
  }

  async release(id: string): Promise<void> {
    this.change(() => this.requeue(this.processing(id)));
  }

  async recover(): Promise<{ requeued: string[]; failed: string[] }> {
    return this.change(() => {
      const requeued: string[] = [];
      const failed: string[] = [];
      for (const row of this.sql.processing.all() as JobRow[]) {
        const job = { ...toRecord(row), interruptions: row.interruptions + 1 };
        if (job.interruptions >= MAX_INTERRUPTIONS) {
          this.end(job, 'failed', { error: INTERRUPTED });
          failed.push(job.id);
        } else {
          this.requeue(job);
          requeued.push(job.id);
        }
      }
      return { requeued, failed };
    });
  }

  async expire(before: Date): Promise<JobRecord[]> {
    return this.change(() => {
      const rows = this.sql.finishedBefore.all(before.toISOString()) as JobRow[];
      for (const row of rows) this.sql.delete.run(row.id);
      return rows.map(toRecord);
    });
  }

  async close(): Promise<void> {
    this.eventListeners.clear();
    this.queuedListeners.clear();
    this.cancelListeners.clear();
  }

  /** Runs `body` in a write transaction, then sends the notifications it queued (none if it threw). */
  private change<T>(body: () => T): T {
    this.outbox = [];
    try {
      const out = this.transaction.immediate(body) as T;
      // Taken before sending: a listener may start another change (a runner claiming on onQueued).
      const notices = this.outbox;
      this.outbox = [];
      for (const notice of notices) notice();
      return out;
    } finally {
      this.outbox = [];
    }
  }

  private later<T>(listeners: Listeners<T>, value: T): void {
    this.outbox.push(() => tell(listeners, value));
  }

  private record(job: JobRecord, type: JobEventType, progress = job.progress, stage = job.stage): void {
    const id = Number(this.sql.event.run(job.id, type, job.attempts, progress, stage).lastInsertRowid);
    this.later(this.eventListeners, { id, jobId: job.id, type, attempt: job.attempts, progress, stage });
  }

  private fresh(keyId: string, input: JobInput, now: Date, id: string = randomUUID()): JobRecord {
    return {
      id, keyId, status: 'queued', progress: 0, stage: null, attempts: 0, interruptions: 0, createdAt: now.toISOString(),
      startedAt: null, finishedAt: null, input, report: null, result: null, error: null, cancelRequested: false,
    };
  }

  // insert and save read the row back, so callers get what get() would return (JSON round-tripped).
  private insert(job: JobRecord): JobRecord {
    this.sql.insert.run(toParams(job));
    return this.job(job.id)!;
  }

  private save(job: JobRecord): JobRecord {
    this.sql.save.run(toParams(job));
    return this.job(job.id)!;
  }

  private job(id: string): JobRecord | null {
    const row = this.sql.byId.get(id) as JobRow | undefined;
    return row ? toRecord(row) : null;
  }

  private owned(keyId: string, id: string): JobRecord | null {
    const row = this.sql.owned.get(id, keyId) as JobRow | undefined;
    return row ? toRecord(row) : null;
  }

  private processing(id: string): JobRecord {
    const job = this.job(id);
    if (job?.status !== 'processing') {
      throw new MixchainError('ERR_JOB_STATE', `Expected a processing job but job ${id} ${job ? `is ${job.status}` : 'does not exist'}`);
    }
    return job;
  }

  /** Back to the queue, unless its owner asked to cancel it: then it ends cancelled, as asked. */
  private requeue(job: JobRecord): void {
    if (job.cancelRequested) {
      this.end(job, 'cancelled', {});
      return;
    }
    this.record(this.save({ ...job, status: 'queued', progress: 0, stage: null }), 'progress', 0, 'queued');
    this.later(this.queuedListeners, undefined);
  }

  private end(job: JobRecord, status: 'completed' | 'failed' | 'cancelled', changes: Partial<JobRecord>): JobRecord {
    const ended = this.save({ ...job, ...changes, status, finishedAt: this.stamp() });
    this.record(ended, status);
    return ended;
  }

  private stamp(): string {
    return this.now().toISOString();
  }
}
