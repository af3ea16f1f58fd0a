// Watermarks (watermarks.ts) in the service's SQLite database: the `watermarks` table, one row
// per name.
import type { Db } from './database.js';
import type { Watermarks } from './watermarks.js';

export class SqliteWatermarks implements Watermarks {
  constructor(private readonly db: Db) {
    db.exec('CREATE TABLE IF NOT EXISTS watermarks (name TEXT PRIMARY KEY, value TEXT NOT NULL)');
  }

  async get(name: string): Promise<string | null> {
    const row = this.db.prepare('SELECT value FROM watermarks WHERE name = ?').get(name) as { value: string } | undefined;
    return row?.value ?? null;
  }

  async advance(name: string, value: string): Promise<void> {
    this.db.prepare('INSERT INTO watermarks (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)').run(name, value);
  }
}
