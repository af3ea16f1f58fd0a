// Key webhook settings (key-webhooks.ts) in the service's SQLite database, one row per key.
import type { Db } from '../storage/database.js';
import type { KeyWebhooks } from './key-webhooks.js';
import { newWebhookSecret } from './signing.js';

interface Row {
  key_id: string;
  url: string | null;
  secret: string;
}

export class SqliteKeyWebhooks implements KeyWebhooks {
  constructor(private readonly db: Db) {
    db.exec(`CREATE TABLE IF NOT EXISTS key_webhooks (
      key_id TEXT PRIMARY KEY, url TEXT, secret TEXT NOT NULL, updated_at TEXT NOT NULL)`);
  }

  private row(keyId: string): Row | undefined {
    return this.db.prepare('SELECT key_id, url, secret FROM key_webhooks WHERE key_id = ?').get(keyId) as Row | undefined;
  }

  async newSecret(keyId: string): Promise<string> {
    const secret = newWebhookSecret();
    this.db
      .prepare('INSERT INTO key_webhooks (key_id, url, secret, updated_at) VALUES (?, NULL, ?, ?) ON CONFLICT (key_id) DO UPDATE SET secret = excluded.secret, updated_at = excluded.updated_at')
      .run(keyId, secret, new Date().toISOString());
    return secret;
  }

  async setUrl(keyId: string, url: string | null): Promise<void> {
    // A key made before webhooks existed gets its secret here (shown by `keys webhook --new-secret`).
    this.db
      .prepare('INSERT INTO key_webhooks (key_id, url, secret, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (key_id) DO UPDATE SET url = excluded.url, updated_at = excluded.updated_at')
      .run(keyId, url, newWebhookSecret(), new Date().toISOString());
  }

  async secret(keyId: string): Promise<string | null> {
    return this.row(keyId)?.secret ?? null;
  }

  async defaultUrl(keyId: string): Promise<string | null> {
    return this.row(keyId)?.url ?? null;
  }
}
