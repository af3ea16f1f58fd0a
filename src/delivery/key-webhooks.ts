// Each API key's webhook settings: the `whsec_` secret its webhooks are signed with (shown once,
// when made; kept in the clear because signing needs it, and never shown or logged again) and
// an optional default URL for jobs that name none.
import type { Db } from '../storage/database.js';
import { newWebhookSecret } from './signing.js';

interface Row {
  key_id: string;
  url: string | null;
  secret: string;
}

export class KeyWebhooks {
  constructor(private readonly db: Db) {
    db.exec(`CREATE TABLE IF NOT EXISTS key_webhooks (
      key_id TEXT PRIMARY KEY, url TEXT, secret TEXT NOT NULL, updated_at TEXT NOT NULL)`);
  }

  private row(keyId: string): Row | undefined {
    return this.db.prepare('SELECT key_id, url, secret FROM key_webhooks WHERE key_id = ?').get(keyId) as Row | undefined;
  }

  /** A new secret for the key (the previous one stops signing at once); the only time it is shown. */
  newSecret(keyId: string): string {
    const secret = newWebhookSecret();
    this.db
      .prepare('INSERT INTO key_webhooks (key_id, url, secret, updated_at) VALUES (?, NULL, ?, ?) ON CONFLICT (key_id) DO UPDATE SET secret = excluded.secret, updated_at = excluded.updated_at')
      .run(keyId, secret, new Date().toISOString());
    return secret;
  }

  /** Sets (or, with null, clears) the key's default webhook URL; the key must have a secret. */
  setUrl(keyId: string, url: string | null): void {
    if (!this.row(keyId)) this.newSecret(keyId);
    this.db.prepare('UPDATE key_webhooks SET url = ?, updated_at = ? WHERE key_id = ?').run(url, new Date().toISOString(), keyId);
  }

  secret(keyId: string): string | null {
    return this.row(keyId)?.secret ?? null;
  }

  defaultUrl(keyId: string): string | null {
    return this.row(keyId)?.url ?? null;
  }
}
