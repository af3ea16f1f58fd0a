// API keys: `mck_` + 32 random bytes, shown once when created and stored only as a SHA-256
// hash (a key is random enough that a slow hash adds nothing). Revoked keys stay listed, dead.
// This file holds what every store of keys shares: the interface, the key and id formats, the
// hash and how often a key's last use is written. The stores: sqlite-keys.ts (one node, the
// service's database) and redis-keys.ts (several nodes sharing one Redis).
import { createHash, randomBytes, randomUUID } from 'node:crypto';

export interface ApiKey {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** A key as made: `key` is the only time the secret exists in the clear. */
export type CreatedKey = ApiKey & { key: string };

export interface KeyStore {
  /** Makes a key. */
  create(name: string): Promise<CreatedKey>;
  /** Makes a key only when no active key exists, else null; atomic, so of nodes starting together one makes it. */
  createFirst(name: string): Promise<CreatedKey | null>;
  /** Every key, revoked ones too, by creation time then id. */
  list(): Promise<ApiKey[]>;
  /** Active (not revoked) keys. */
  activeCount(): Promise<number>;
  /** Ends a key at once; false when there is no such key or it was already revoked. */
  revoke(id: string): Promise<boolean>;
  /** The active key a secret belongs to, or null; notes its last use (see LastUseThrottle). */
  verify(secret: string): Promise<ApiKey | null>;
}

const PREFIX = 'mck_';

export const hashKey = (key: string): string => createHash('sha256').update(key).digest('hex');

/** Whether a secret has the shape of a key at all (anything else is refused without a lookup). */
export const isKeyShaped = (secret: string): boolean => secret.startsWith(PREFIX);

/** A new key: its record, the secret and the hash a store keeps instead of it. */
export function newKey(name: string): { created: CreatedKey; hash: string } {
  const key = PREFIX + randomBytes(32).toString('base64url');
  const id = `key_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
  return { created: { id, name, createdAt: new Date().toISOString(), lastUsedAt: null, revokedAt: null, key }, hash: hashKey(key) };
}

// Last use is written at most this often per key (by each process), not on every request.
const LAST_USED_RESOLUTION_MS = 60_000;

/** Decides when a key's last use is written: the first use a process sees, then once a minute. */
export class LastUseThrottle {
  private readonly written = new Map<string, number>();

  /** The key as verified now: when its last use is due, set to now and stored by `write` first. */
  async noteUse(key: ApiKey, write: (id: string, at: string) => unknown): Promise<ApiKey> {
    const now = Date.now();
    if (now - (this.written.get(key.id) ?? 0) <= LAST_USED_RESOLUTION_MS) return key;
    this.written.set(key.id, now);
    const at = new Date(now).toISOString();
    await write(key.id, at);
    return { ...key, lastUsedAt: at };
  }
}
