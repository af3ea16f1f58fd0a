// Delivery tasks in the service's SQLite database, for one process: its dispatcher is the only
// one sending, so at start every task left 'sending' is one a stopped process was sending, and
// recover() puts it back (no leases). The calls are synchronous underneath; they are async for the
// DeliveryStore contract, which the Redis store shares.
import type { Db } from '../storage/database.js';
import {
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

export class SqliteDeliveryStore implements DeliveryStore {
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

  async add(task: NewDelivery): Promise<DeliveryRecord> {
    const now = new Date().toISOString();
    const dueAt = (task.dueAt ?? new Date()).toISOString();
    const inserted = this.db
      .prepare(
        `INSERT OR IGNORE INTO deliveries (id, key_id, job_id, kind, url, target, payload, auto, status, attempts, created_at, updated_at, next_attempt_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?) RETURNING *`,
      )
      .get(newDeliveryId(task.kind), task.keyId, task.jobId, task.kind, task.url, shownTarget(task.url), task.payload, task.auto ? 1 : 0, now, now, dueAt) as Row | undefined;
    if (inserted) return toRecord(inserted);
    return toRecord(this.db.prepare('SELECT * FROM deliveries WHERE job_id = ? AND kind = ? AND auto = 1').get(task.jobId, task.kind) as Row);
  }

  async get(keyId: string, id: string): Promise<DeliveryRecord | null> {
    const row = this.db.prepare('SELECT * FROM deliveries WHERE id = ? AND key_id = ?').get(id, keyId) as Row | undefined;
    return row ? toRecord(row) : null;
  }

  async forJob(keyId: string, jobId: string): Promise<DeliveryRecord[]> {
    return (this.db.prepare('SELECT * FROM deliveries WHERE key_id = ? AND job_id = ? ORDER BY created_at, rowid').all(keyId, jobId) as Row[]).map(toRecord);
  }

  async list(keyId: string, kind: DeliveryKind, limit: number): Promise<DeliveryRecord[]> {
    return (this.db.prepare('SELECT * FROM deliveries WHERE key_id = ? AND kind = ? ORDER BY created_at DESC, rowid DESC LIMIT ?').all(keyId, kind, limit) as Row[]).map(toRecord);
  }

  async counts(kind?: DeliveryKind, keyId?: string): Promise<Record<DeliveryStatus, number>> {
    const rows = this.db
      .prepare('SELECT status, count(*) AS n FROM deliveries WHERE (@kind IS NULL OR kind = @kind) AND (@keyId IS NULL OR key_id = @keyId) GROUP BY status')
      .all({ kind: kind ?? null, keyId: keyId ?? null }) as { status: DeliveryStatus; n: number }[];
    const counts = zeroCounts();
    for (const row of rows) counts[row.status] = row.n;
    return counts;
  }

  async removeForJob(jobId: string): Promise<void> {
    this.db.prepare('DELETE FROM deliveries WHERE job_id = ?').run(jobId);
  }

  async recover(now = new Date()): Promise<number> {
    const at = now.toISOString();
    return this.db.prepare("UPDATE deliveries SET status = 'pending', next_attempt_at = ?, updated_at = ? WHERE status = 'sending'").run(at, at).changes;
  }

  // One process: recover() at start stands in for leases, so the lease is not kept.
  async claimDue(now: Date, limit: number, _leaseMs?: Record<DeliveryKind, number>): Promise<DeliveryTask[]> {
    const rows = this.db
      .prepare(
        `UPDATE deliveries SET status = 'sending', attempts = attempts + 1, next_attempt_at = NULL, updated_at = @at
         WHERE id IN (SELECT id FROM deliveries WHERE status = 'pending' AND next_attempt_at <= @at ORDER BY next_attempt_at LIMIT @limit) RETURNING *`,
      )
      .all({ at: now.toISOString(), limit }) as Row[];
    return rows.map(toTask);
  }

  async nextDueAt(): Promise<number | null> {
    const row = this.db.prepare("SELECT min(next_attempt_at) AS at FROM deliveries WHERE status = 'pending'").get() as { at: string | null };
    return row.at === null ? null : Date.parse(row.at);
  }

  async settle(id: string, attempt: number, outcome: AttemptOutcome): Promise<boolean> {
    const { changes } = this.db
      .prepare(
        `UPDATE deliveries SET status = ?, last_status_code = ?, last_error = ?, bytes = ?, duration_ms = ?, next_attempt_at = ?, updated_at = ?
         WHERE id = ? AND status = 'sending' AND attempts = ?`,
      )
      .run(outcome.status, outcome.statusCode, outcome.error, outcome.bytes, outcome.durationMs, outcome.nextAttemptAt?.toISOString() ?? null, new Date().toISOString(), id, attempt);
    return changes === 1;
  }

  async retarget(id: string, url: string): Promise<void> {
    this.db.prepare('UPDATE deliveries SET url = ?, target = ? WHERE id = ?').run(url, shownTarget(url), id);
  }
}
