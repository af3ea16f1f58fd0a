// The service's embedded database: one SQLite file in the data folder, shared by the stores of
// keys, uploads and jobs. Each store creates its own tables; WAL lets readers go on while one
// writer writes, and a busy timeout covers the CLI writing while the server runs.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export type Db = Database.Database;

export const DATABASE_FILE = 'mixchain.db';

/** Opens (creating if needed) `<dataDir>/mixchain.db`; `':memory:'` for a throwaway one. */
export function openDatabase(dataDir: string | ':memory:'): Db {
  if (dataDir !== ':memory:') mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const db = new Database(dataDir === ':memory:' ? ':memory:' : join(dataDir, DATABASE_FILE));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  return db;
}
