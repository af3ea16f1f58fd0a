// Upload records in the service's SQLite database (one node): the table `uploads`, indexed by
// expiry for the hourly clean-up. Calls are synchronous underneath; the interface is async
// because the Redis store (redis-uploads.ts) is.
import type { Db } from './database.js';
import { uploadExists, type UploadRecord, type UploadStore } from './uploads.js';

interface UploadRow {
  id: string;
  key_id: string;
  storage_key: string;
  filename: string | null;
  mimetype: string;
  size: number;
  duration_seconds: number;
  sample_rate: number;
  channels: number;
  created_at: string;
  expires_at: string;
}

const toRecord = (r: UploadRow): UploadRecord => ({
  id: r.id,
  keyId: r.key_id,
  key: r.storage_key,
  filename: r.filename,
  mimetype: r.mimetype,
  size: r.size,
  durationSeconds: r.duration_seconds,
  sampleRate: r.sample_rate,
  channels: r.channels,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
});

export class SqliteUploadStore implements UploadStore {
  constructor(private readonly db: Db) {
    db.exec(`CREATE TABLE IF NOT EXISTS uploads (
      id TEXT PRIMARY KEY, key_id TEXT NOT NULL, storage_key TEXT NOT NULL, filename TEXT, mimetype TEXT NOT NULL,
      size INTEGER NOT NULL, duration_seconds REAL NOT NULL, sample_rate INTEGER NOT NULL, channels INTEGER NOT NULL,
      created_at TEXT NOT NULL, expires_at TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS uploads_expiry ON uploads (expires_at)`);
  }

  async add(u: UploadRecord): Promise<UploadRecord> {
    try {
      this.db
        .prepare('INSERT INTO uploads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(u.id, u.keyId, u.key, u.filename, u.mimetype, u.size, u.durationSeconds, u.sampleRate, u.channels, u.createdAt, u.expiresAt);
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw uploadExists(u.id);
      throw error;
    }
    return u;
  }

  async get(keyId: string, id: string): Promise<UploadRecord | null> {
    const row = this.db.prepare('SELECT * FROM uploads WHERE id = ? AND key_id = ?').get(id, keyId) as UploadRow | undefined;
    return row ? toRecord(row) : null;
  }

  async remove(keyId: string, id: string): Promise<UploadRecord | null> {
    const row = this.db.prepare('DELETE FROM uploads WHERE id = ? AND key_id = ? RETURNING *').get(id, keyId) as UploadRow | undefined;
    return row ? toRecord(row) : null;
  }

  async expire(now: Date): Promise<UploadRecord[]> {
    return (this.db.prepare('DELETE FROM uploads WHERE expires_at < ? RETURNING *').all(now.toISOString()) as UploadRow[]).map(toRecord);
  }

  async count(): Promise<number> {
    return (this.db.prepare('SELECT count(*) AS n FROM uploads').get() as { n: number }).n;
  }
}
