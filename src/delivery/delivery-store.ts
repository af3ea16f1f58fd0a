// Deliveries (webhooks and forwards) as durable tasks in the service's database: each attempt's
// outcome is written before the next is planned, so a restart resumes where the last process
// stopped. A task that was being sent when the process stopped goes back to pending and is sent
// again (at least once; the webhook-id lets receivers drop the repeat).
import { randomUUID } from 'node:crypto';
import type { Db } from '../storage/database.js';
import { displayTarget } from './targets.js';

export type DeliveryKind = 'webhook' | 'forward';
export type DeliveryStatus = 'pending' | 'sending' | 'delivered' | 'failed';
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'sending', 'delivered', 'failed'];

export interface DeliveryRecord {
  /** 'dlv_…' for webhooks (also their webhook-id), 'fwd_…' for forwards (the task id). */
  id: string;
  keyId: string;
  jobId: string;
  kind: DeliveryKind;
  /** The URL without credentials or query (no secrets). */
  target: string;
  status: DeliveryStatus;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
  nextAttemptAt: string | null;
  bytes: number | null;
  durationMs: number | null;
}

/** What the dispatcher needs to send a task: the record, the full URL and the stored body. */
export interface DeliveryTask extends DeliveryRecord {
  url: string;
  payload: string | null;
}

export interface NewDelivery {
  keyId: string;
  jobId: string;
  kind: DeliveryKind;
  url: string;
  /** The exact body of a webhook (every attempt sends these bytes); null for a forward. */
  payload: string | null;
  /** Automatic tasks are unique per (job, kind): adding one again returns the existing one. */
  auto: boolean;
  /** When the first attempt is due; default now. */
  dueAt?: Date;
}

/** The outcome of one attempt: delivered, failed for good, or pending again from `nextAttemptAt`. */
export interface AttemptOutcome {
  status: 'pending' | 'delivered' | 'failed';
  statusCode: number | null;
  error: string | null;
  bytes: number | null;
  durationMs: number | null;
  nextAttemptAt: Date | null;
}

interface Row {
  id: string;
  key_id: string;
  job_id: string;
  kind: DeliveryKind;
  url: string;
  target: string;
  payload: string | null;
  status: DeliveryStatus;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  next_attempt_at: string | null;
  bytes: number | null;
  duration_ms: number | null;
}

const toRecord = (r: Row): DeliveryRecord => ({
  id: r.id,
  keyId: r.key_id,
  jobId: r.job_id,
  kind: r.kind,
  target: r.target,
  status: r.status,
  attempts: r.attempts,
  lastStatusCode: r.last_status_code,
  lastError: r.last_error,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  nextAttemptAt: r.next_attempt_at,
  bytes: r.bytes,
  durationMs: r.duration_ms,
});

const toTask = (r: Row): DeliveryTask => ({ ...toRecord(r), url: r.url, payload: r.payload });

/** The target as records show it; text that is no URL is named, not repeated (it may hold a token). */
export function shownTarget(url: string): string {
  try {
    return displayTarget(new URL(url));
  } catch {
    return '(not a URL)';
  }
}

const ID_PREFIX: Record<DeliveryKind, string> = { webhook: 'dlv_', forward: 'fwd_' };

export class DeliveryStore {
  constructor(private readonly db: Db) {
    db.exec(`CREATE TABLE IF NOT EXISTS deliveries (
      id TEXT PRIMARY KEY, key_id TEXT NOT NULL, job_id TEXT NOT NULL, kind TEXT NOT NULL, url TEXT NOT NULL,
      target TEXT NOT NULL, payload TEXT, auto INTEGER NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL,
      last_status_code INTEGER, last_error TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
      next_attempt_at TEXT, bytes INTEGER, duration_ms INTEGER);
      CREATE UNIQUE INDEX IF NOT EXISTS deliveries_auto ON deliveries (job_id, kind) WHERE auto = 1;
      CREATE INDEX IF NOT EXISTS deliveries_job ON deliveries (key_id, job_id);
      CREATE INDEX IF NOT EXISTS deliveries_kind ON deliveries (key_id, kind, created_at);
      CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, next_attempt_at)`);
  }

  /** Adds a task; `auto` tasks are unique per (job, kind): adding one again returns the existing one. */
  add(task: NewDelivery): DeliveryRecord {
    const now = new Date().toISOString();
    const id = ID_PREFIX[task.kind] + randomUUID().replaceAll('-', '');
    const dueAt = (task.dueAt ?? new Date()).toISOString();
    const inserted = this.db
      .prepare(
        `INSERT OR IGNORE INTO deliveries (id, key_id, job_id, kind, url, target, payload, auto, status, attempts, created_at, updated_at, next_attempt_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?) RETURNING *`,
      )
      .get(id, task.keyId, task.jobId, task.kind, task.url, shownTarget(task.url), task.payload, task.auto ? 1 : 0, now, now, dueAt) as Row | undefined;
    if (inserted) return toRecord(inserted);
    return toRecord(this.db.prepare('SELECT * FROM deliveries WHERE job_id = ? AND kind = ? AND auto = 1').get(task.jobId, task.kind) as Row);
  }

  /** The key's task, or null (also for another key's). */
  get(keyId: string, id: string): DeliveryRecord | null {
    const row = this.db.prepare('SELECT * FROM deliveries WHERE id = ? AND key_id = ?').get(id, keyId) as Row | undefined;
    return row ? toRecord(row) : null;
  }

  /** A job's tasks, oldest first. */
  forJob(keyId: string, jobId: string): DeliveryRecord[] {
    return (this.db.prepare('SELECT * FROM deliveries WHERE key_id = ? AND job_id = ? ORDER BY created_at, rowid').all(keyId, jobId) as Row[]).map(toRecord);
  }

  /** The key's tasks of one kind, newest first. */
  list(keyId: string, kind: DeliveryKind, limit: number): DeliveryRecord[] {
    return (this.db.prepare('SELECT * FROM deliveries WHERE key_id = ? AND kind = ? ORDER BY created_at DESC, rowid DESC LIMIT ?').all(keyId, kind, limit) as Row[]).map(toRecord);
  }

  /** Tasks by status, of one kind and one key when given. */
  counts(kind?: DeliveryKind, keyId?: string): Record<DeliveryStatus, number> {
    const rows = this.db
      .prepare('SELECT status, count(*) AS n FROM deliveries WHERE (@kind IS NULL OR kind = @kind) AND (@keyId IS NULL OR key_id = @keyId) GROUP BY status')
      .all({ kind: kind ?? null, keyId: keyId ?? null }) as { status: DeliveryStatus; n: number }[];
    const counts = Object.fromEntries(DELIVERY_STATUSES.map((status) => [status, 0])) as Record<DeliveryStatus, number>;
    for (const row of rows) counts[row.status] = row.n;
    return counts;
  }

  /** When a job is deleted. A task being sent finishes its attempt and writes nothing. */
  removeForJob(jobId: string): void {
    this.db.prepare('DELETE FROM deliveries WHERE job_id = ?').run(jobId);
  }

  // The dispatcher's side.

  /** Tasks left 'sending' by a process that stopped go back to pending, due now. */
  recover(now = new Date()): number {
    const at = now.toISOString();
    return this.db.prepare("UPDATE deliveries SET status = 'pending', next_attempt_at = ?, updated_at = ? WHERE status = 'sending'").run(at, at).changes;
  }

  /** Up to `limit` due tasks (earliest first), marked 'sending' with their attempt counted. */
  claimDue(now: Date, limit: number): DeliveryTask[] {
    const rows = this.db
      .prepare(
        `UPDATE deliveries SET status = 'sending', attempts = attempts + 1, next_attempt_at = NULL, updated_at = @at
         WHERE id IN (SELECT id FROM deliveries WHERE status = 'pending' AND next_attempt_at <= @at ORDER BY next_attempt_at LIMIT @limit) RETURNING *`,
      )
      .all({ at: now.toISOString(), limit }) as Row[];
    return rows.map(toTask);
  }

  /** When the earliest pending task is due (ms since the epoch), or null when none is pending. */
  nextDueAt(): number | null {
    const row = this.db.prepare("SELECT min(next_attempt_at) AS at FROM deliveries WHERE status = 'pending'").get() as { at: string | null };
    return row.at === null ? null : Date.parse(row.at);
  }

  /** Writes an attempt's outcome. */
  settle(id: string, outcome: AttemptOutcome): void {
    this.db
      .prepare('UPDATE deliveries SET status = ?, last_status_code = ?, last_error = ?, bytes = ?, duration_ms = ?, next_attempt_at = ?, updated_at = ? WHERE id = ?')
      .run(outcome.status, outcome.statusCode, outcome.error, outcome.bytes, outcome.durationMs, outcome.nextAttemptAt?.toISOString() ?? null, new Date().toISOString(), id);
  }

  /** Points a task at another URL (a forward follows the configured endpoint, which may have changed since it was added). */
  retarget(id: string, url: string): void {
    this.db.prepare('UPDATE deliveries SET url = ?, target = ? WHERE id = ?').run(url, shownTarget(url), id);
  }
}
