// The index of the local cache in front of the bucket: which keys have a file in it, how big and
// when last read, so stats and eviction (by age, then least recently used first) need no walk of
// the folder. Kept in the database so last reads survive a restart. `use` orders reads strictly
// (two in the same millisecond too); `accessed_at` is the clock time the TTL is measured on.
import type { Db } from './database.js';

export interface CacheEntry {
  key: string;
  size: number;
  /** Epoch ms of the last write or read. */
  accessedAt: number;
}

interface EntryRow {
  key: string;
  size: number;
  accessed_at: number;
}

const NEXT_USE = 'SELECT coalesce(max(use), 0) + 1 FROM storage_cache';

const toEntry = (r: EntryRow): CacheEntry => ({ key: r.key, size: r.size, accessedAt: r.accessed_at });

export class CacheIndex {
  constructor(private readonly db: Db) {
    db.exec(`CREATE TABLE IF NOT EXISTS storage_cache (key TEXT PRIMARY KEY, size INTEGER NOT NULL, accessed_at INTEGER NOT NULL, use INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS storage_cache_lru ON storage_cache (use)`);
  }

  add(key: string, size: number, now: number): void {
    this.db
      .prepare(`INSERT INTO storage_cache VALUES (?, ?, ?, (${NEXT_USE}))
        ON CONFLICT (key) DO UPDATE SET size = excluded.size, accessed_at = excluded.accessed_at, use = excluded.use`)
      .run(key, size, now);
  }

  get(key: string): CacheEntry | null {
    const row = this.db.prepare('SELECT * FROM storage_cache WHERE key = ?').get(key) as EntryRow | undefined;
    return row ? toEntry(row) : null;
  }

  touch(key: string, now: number): void {
    this.db.prepare(`UPDATE storage_cache SET accessed_at = ?, use = (${NEXT_USE}) WHERE key = ?`).run(now, key);
  }

  remove(key: string): void {
    this.db.prepare('DELETE FROM storage_cache WHERE key = ?').run(key);
  }

  /** Every entry, least recently used first. */
  leastRecentFirst(): CacheEntry[] {
    return (this.db.prepare('SELECT * FROM storage_cache ORDER BY use').all() as EntryRow[]).map(toEntry);
  }

  totals(): { bytes: number; files: number } {
    const row = this.db.prepare('SELECT coalesce(sum(size), 0) AS bytes, count(*) AS files FROM storage_cache').get() as { bytes: number; files: number };
    return row;
  }
}
