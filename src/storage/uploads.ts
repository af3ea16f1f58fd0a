// The records of uploaded files: who uploaded it, where it is stored, what it holds. The
// client's filename is kept as metadata only.
import { MixchainError } from '../errors.js';
import type { Db } from './database.js';
import type { Storage } from './storage.js';

export interface UploadRecord {
  id: string;
  keyId: string;
  key: string;
  filename: string | null;
  mimetype: string;
  size: number;
  durationSeconds: number;
  sampleRate: number;
  channels: number;
  createdAt: string;
  expiresAt: string;
}

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

/** The same words whether the id is unknown, another key's, or deleted since. */
export const uploadNotFound = (id: string) => new MixchainError('ERR_UPLOAD_NOT_FOUND', `Expected an upload of this key with id '${id.slice(0, 64)}' but there is none`);

/** One of the key's uploads and the local path of its file, or ERR_UPLOAD_NOT_FOUND. */
export async function uploadedFile(uploads: UploadStore, storage: Storage, keyId: string, id: string): Promise<{ upload: UploadRecord; path: string }> {
  const upload = uploads.get(keyId, id);
  const path = upload ? await storage.localPath(upload.key) : null;
  if (!upload || !path) throw uploadNotFound(id);
  return { upload, path };
}

export class UploadStore {
  constructor(private readonly db: Db) {
    db.exec(`CREATE TABLE IF NOT EXISTS uploads (
      id TEXT PRIMARY KEY, key_id TEXT NOT NULL, storage_key TEXT NOT NULL, filename TEXT, mimetype TEXT NOT NULL,
      size INTEGER NOT NULL, duration_seconds REAL NOT NULL, sample_rate INTEGER NOT NULL, channels INTEGER NOT NULL,
      created_at TEXT NOT NULL, expires_at TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS uploads_expiry ON uploads (expires_at)`);
  }

  add(u: UploadRecord): UploadRecord {
    this.db
      .prepare('INSERT INTO uploads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(u.id, u.keyId, u.key, u.filename, u.mimetype, u.size, u.durationSeconds, u.sampleRate, u.channels, u.createdAt, u.expiresAt);
    return u;
  }

  /** The key's upload, or null (also for another key's). */
  get(keyId: string, id: string): UploadRecord | null {
    const row = this.db.prepare('SELECT * FROM uploads WHERE id = ? AND key_id = ?').get(id, keyId) as UploadRow | undefined;
    return row ? toRecord(row) : null;
  }

  remove(keyId: string, id: string): UploadRecord | null {
    const row = this.db.prepare('DELETE FROM uploads WHERE id = ? AND key_id = ? RETURNING *').get(id, keyId) as UploadRow | undefined;
    return row ? toRecord(row) : null;
  }

  /** Deletes the records that expired before `now` and returns them (their files are the caller's to delete). */
  expire(now: Date): UploadRecord[] {
    return (this.db.prepare('DELETE FROM uploads WHERE expires_at < ? RETURNING *').all(now.toISOString()) as UploadRow[]).map(toRecord);
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM uploads').get() as { n: number }).n;
  }
}
