// API keys: `mck_` + 32 random bytes, shown once when created and stored only as a SHA-256
// hash (a key is random enough that a slow hash adds nothing). Revoked keys stay listed, dead.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Db } from './database.js';

export interface ApiKey {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

interface KeyRow {
  id: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

const PREFIX = 'mck_';
// Last use is written at most this often per key, not on every request.
const LAST_USED_RESOLUTION_MS = 60_000;

const hash = (key: string) => createHash('sha256').update(key).digest('hex');
const toKey = (row: KeyRow): ApiKey => ({ id: row.id, name: row.name, createdAt: row.created_at, lastUsedAt: row.last_used_at, revokedAt: row.revoked_at });

export class KeyStore {
  private readonly lastWritten = new Map<string, number>();

  constructor(private readonly db: Db) {
    db.exec(`CREATE TABLE IF NOT EXISTS api_keys (
      id TEXT PRIMARY KEY, name TEXT NOT NULL, hash TEXT NOT NULL UNIQUE,
      created_at TEXT NOT NULL, last_used_at TEXT, revoked_at TEXT)`);
  }

  /** Makes a key; the returned `key` is the only time it exists in the clear. */
  create(name: string): ApiKey & { key: string } {
    const key = PREFIX + randomBytes(32).toString('base64url');
    const row: KeyRow = { id: `key_${randomUUID().replaceAll('-', '').slice(0, 20)}`, name, created_at: new Date().toISOString(), last_used_at: null, revoked_at: null };
    this.db.prepare('INSERT INTO api_keys (id, name, hash, created_at) VALUES (?, ?, ?, ?)').run(row.id, name, hash(key), row.created_at);
    return { ...toKey(row), key };
  }

  list(): ApiKey[] {
    return (this.db.prepare('SELECT * FROM api_keys ORDER BY created_at, id').all() as KeyRow[]).map(toKey);
  }

  /** Active (not revoked) keys. */
  activeCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM api_keys WHERE revoked_at IS NULL').get() as { n: number }).n;
  }

  /** Ends a key at once; false when there is no such key or it was already revoked. */
  revoke(id: string): boolean {
    return this.db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(new Date().toISOString(), id).changes > 0;
  }

  /** The active key a secret belongs to, or null. */
  verify(secret: string): ApiKey | null {
    if (!secret.startsWith(PREFIX)) return null;
    const row = this.db.prepare('SELECT * FROM api_keys WHERE hash = ? AND revoked_at IS NULL').get(hash(secret)) as KeyRow | undefined;
    if (!row) return null;
    const now = Date.now();
    if (now - (this.lastWritten.get(row.id) ?? 0) > LAST_USED_RESOLUTION_MS) {
      this.lastWritten.set(row.id, now);
      row.last_used_at = new Date(now).toISOString();
      this.db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?').run(row.last_used_at, row.id);
    }
    return toKey(row);
  }
}
