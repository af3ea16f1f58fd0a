// API keys in the service's SQLite database (one node): the table `api_keys`, one row a key with
// the SHA-256 hash of its secret. Calls are synchronous underneath; the interface is async
// because the Redis store (redis-keys.ts) is.
import type { Db } from './database.js';
import { hashKey, isKeyShaped, LastUseThrottle, newKey, type ApiKey, type CreatedKey, type KeyStore } from './keys.js';

interface KeyRow {
  id: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

const toKey = (row: KeyRow): ApiKey => ({ id: row.id, name: row.name, createdAt: row.created_at, lastUsedAt: row.last_used_at, revokedAt: row.revoked_at });

export class SqliteKeyStore implements KeyStore {
  private readonly throttle = new LastUseThrottle();

  constructor(private readonly db: Db) {
    db.exec(`CREATE TABLE IF NOT EXISTS api_keys (
      id TEXT PRIMARY KEY, name TEXT NOT NULL, hash TEXT NOT NULL UNIQUE,
      created_at TEXT NOT NULL, last_used_at TEXT, revoked_at TEXT)`);
  }

  async create(name: string): Promise<CreatedKey> {
    const { created, hash } = newKey(name);
    this.db.prepare('INSERT INTO api_keys (id, name, hash, created_at) VALUES (?, ?, ?, ?)').run(created.id, name, hash, created.createdAt);
    return created;
  }

  async createFirst(name: string): Promise<CreatedKey | null> {
    const { created, hash } = newKey(name);
    // One statement, so the check and the insert are one write even with another process on the file.
    const inserted = this.db
      .prepare('INSERT INTO api_keys (id, name, hash, created_at) SELECT ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM api_keys WHERE revoked_at IS NULL)')
      .run(created.id, name, hash, created.createdAt);
    return inserted.changes > 0 ? created : null;
  }

  async list(): Promise<ApiKey[]> {
    return (this.db.prepare('SELECT * FROM api_keys ORDER BY created_at, id').all() as KeyRow[]).map(toKey);
  }

  async activeCount(): Promise<number> {
    return (this.db.prepare('SELECT count(*) AS n FROM api_keys WHERE revoked_at IS NULL').get() as { n: number }).n;
  }

  async revoke(id: string): Promise<boolean> {
    return this.db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(new Date().toISOString(), id).changes > 0;
  }

  async verify(secret: string): Promise<ApiKey | null> {
    if (!isKeyShaped(secret)) return null;
    const row = this.db.prepare('SELECT * FROM api_keys WHERE hash = ? AND revoked_at IS NULL').get(hashKey(secret)) as KeyRow | undefined;
    if (!row) return null;
    return this.throttle.noteUse(toKey(row), (id, at) => this.db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?').run(at, id));
  }
}
