// The durable queue of bucket work, one row per key: what the bucket must end up holding for it,
// the cached file ('put') or nothing ('delete'). A newer intent for a key replaces the older one
// and bumps `version`, so an attempt that finishes after its row changed does not remove it.
import type { Db } from './database.js';

export type BucketAction = 'put' | 'delete';

export interface BucketTask {
  key: string;
  action: BucketAction;
  size: number;
  version: number;
  /** Failed attempts since the task was queued. */
  attempts: number;
  /** Epoch ms. */
  nextAttemptAt: number;
  lastError: string | null;
}

interface TaskRow {
  key: string;
  action: BucketAction;
  size: number;
  version: number;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
}

const toTask = (r: TaskRow): BucketTask => ({ key: r.key, action: r.action, size: r.size, version: r.version, attempts: r.attempts, nextAttemptAt: r.next_attempt_at, lastError: r.last_error });

export class UploadQueue {
  constructor(private readonly db: Db) {
    db.exec(`CREATE TABLE IF NOT EXISTS storage_uploads (
      key TEXT PRIMARY KEY, action TEXT NOT NULL CHECK (action IN ('put', 'delete')), size INTEGER NOT NULL,
      version INTEGER NOT NULL, attempts INTEGER NOT NULL, next_attempt_at INTEGER NOT NULL, last_error TEXT, queued_at INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS storage_uploads_due ON storage_uploads (next_attempt_at)`);
  }

  enqueue(key: string, action: BucketAction, size: number, now: number): void {
    this.db
      .prepare(
        `INSERT INTO storage_uploads VALUES (?, ?, ?, 1, 0, ?, NULL, ?)
         ON CONFLICT (key) DO UPDATE SET action = excluded.action, size = excluded.size, version = version + 1,
           attempts = 0, next_attempt_at = excluded.next_attempt_at, last_error = NULL, queued_at = excluded.queued_at`,
      )
      .run(key, action, size, now, now);
  }

  get(key: string): BucketTask | null {
    const row = this.db.prepare('SELECT * FROM storage_uploads WHERE key = ?').get(key) as TaskRow | undefined;
    return row ? toTask(row) : null;
  }

  all(): BucketTask[] {
    return (this.db.prepare('SELECT * FROM storage_uploads').all() as TaskRow[]).map(toTask);
  }

  /** Up to `limit` tasks due at `now`, oldest due first, leaving out `busy` keys. */
  due(now: number, limit: number, busy: ReadonlySet<string>): BucketTask[] {
    if (limit <= 0) return [];
    const rows = this.db.prepare('SELECT * FROM storage_uploads WHERE next_attempt_at <= ? ORDER BY next_attempt_at, queued_at LIMIT ?').all(now, limit + busy.size) as TaskRow[];
    return rows.filter((r) => !busy.has(r.key)).slice(0, limit).map(toTask);
  }

  /** When the next task not in `busy` is due (epoch ms), or null when there is none. */
  nextDue(busy: ReadonlySet<string>): number | null {
    const rows = this.db.prepare('SELECT key, next_attempt_at FROM storage_uploads ORDER BY next_attempt_at LIMIT ?').all(busy.size + 1) as TaskRow[];
    return rows.find((r) => !busy.has(r.key))?.next_attempt_at ?? null;
  }

  /** Removes the task if it is still at `version`; false when it changed meanwhile. */
  finish(key: string, version: number): boolean {
    return this.db.prepare('DELETE FROM storage_uploads WHERE key = ? AND version = ?').run(key, version).changes > 0;
  }

  /** Records a failed attempt of the task at `version`; false when it changed meanwhile. */
  failed(key: string, version: number, error: string, nextAttemptAt: number): boolean {
    return this.db.prepare('UPDATE storage_uploads SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE key = ? AND version = ?').run(error, nextAttemptAt, key, version).changes > 0;
  }

  /** Makes every task due now (at start, and when the bucket answers again after an outage). */
  retryAllNow(now: number): void {
    this.db.prepare('UPDATE storage_uploads SET next_attempt_at = ? WHERE next_attempt_at > ?').run(now, now);
  }

  counts(): { tasks: number; uploads: number; failedUploads: number } {
    const row = this.db
      .prepare(`SELECT count(*) AS tasks, count(*) FILTER (WHERE action = 'put') AS uploads, count(*) FILTER (WHERE action = 'put' AND attempts > 0) AS failed FROM storage_uploads`)
      .get() as { tasks: number; uploads: number; failed: number };
    return { tasks: row.tasks, uploads: row.uploads, failedUploads: row.failed };
  }
}
