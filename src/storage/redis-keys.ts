// API keys on Redis, for several API nodes sharing one Redis; the same contract as the SQLite
// store (sqlite-keys.ts). Keys under B = `<prefix>:keys`:
//   B:key:<id>   hash: the record (id, name, createdAt, lastUsedAt, revokedAt; absent field: null)
//   B:byhash     hash: SHA-256 of a secret → key id, so verify is one lookup whatever the count
//   B:all        set: every key id, revoked ones too (they stay listed)
//   B:active     set: the ids not revoked
// Making and revoking a key are scripts (the record and the sets change together, and createFirst
// checks B:active in the same step that adds to it). Last use is written as in keys.ts, by each
// node at most once a minute per key.
import type { Redis } from 'ioredis';
import { hashKey, isKeyShaped, LastUseThrottle, newKey, type ApiKey, type CreatedKey, type KeyStore } from './keys.js';
import { defineScript, fromPairs, type RedisScript } from './redis-script.js';

// ARGV: only if none is active ('1' or '0'), id, name, createdAt, hash. Answers 1 when made.
const CREATE = `
local B = KEYS[1]
if ARGV[1] == '1' and redis.call('SCARD', B .. ':active') > 0 then return 0 end
local id = ARGV[2]
redis.call('HSET', B .. ':key:' .. id, 'id', id, 'name', ARGV[3], 'createdAt', ARGV[4])
redis.call('HSET', B .. ':byhash', ARGV[5], id)
redis.call('SADD', B .. ':all', id)
redis.call('SADD', B .. ':active', id)
return 1`;

// ARGV: id, revokedAt. Answers 1 when it was active.
const REVOKE = `
local B = KEYS[1]
if redis.call('SREM', B .. ':active', ARGV[1]) == 0 then return 0 end
redis.call('HSET', B .. ':key:' .. ARGV[1], 'revokedAt', ARGV[2])
return 1`;

// ARGV: hash. Answers the active key's record (HGETALL), or nil.
const VERIFY = `
local B = KEYS[1]
local id = redis.call('HGET', B .. ':byhash', ARGV[1])
if not id or redis.call('SISMEMBER', B .. ':active', id) == 0 then return false end
return redis.call('HGETALL', B .. ':key:' .. id)`;

const toKey = (h: Record<string, string>): ApiKey => ({ id: h.id!, name: h.name!, createdAt: h.createdAt!, lastUsedAt: h.lastUsedAt ?? null, revokedAt: h.revokedAt ?? null });

export class RedisKeyStore implements KeyStore {
  private readonly base: string;
  private readonly throttle = new LastUseThrottle();
  private readonly scripts: { create: RedisScript; revoke: RedisScript; verify: RedisScript };

  /** `redis` is connected and stays the caller's to close; `prefix` as for the job queue (default there `mixchain`). */
  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.base = `${prefix}:keys`;
    this.scripts = { create: defineScript(redis, 'mcKeyCreate', CREATE), revoke: defineScript(redis, 'mcKeyRevoke', REVOKE), verify: defineScript(redis, 'mcKeyVerify', VERIFY) };
  }

  private async make(name: string, onlyFirst: boolean): Promise<CreatedKey | null> {
    const { created, hash } = newKey(name);
    const made = await this.scripts.create(this.base, onlyFirst ? '1' : '0', created.id, name, created.createdAt, hash);
    return made === 1 ? created : null;
  }

  async create(name: string): Promise<CreatedKey> {
    return (await this.make(name, false))!;
  }

  async createFirst(name: string): Promise<CreatedKey | null> {
    return this.make(name, true);
  }

  async list(): Promise<ApiKey[]> {
    const ids = await this.redis.smembers(`${this.base}:all`);
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(`${this.base}:key:${id}`);
    const answers = (await pipeline.exec()) ?? [];
    const keys = answers.map(([error, fields]) => {
      if (error) throw error;
      return toKey(fields as Record<string, string>);
    });
    // As SQLite orders them: creation time (ISO text sorts as time), then id.
    return keys.sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? -1 : 1) : a.createdAt < b.createdAt ? -1 : 1));
  }

  async activeCount(): Promise<number> {
    return this.redis.scard(`${this.base}:active`);
  }

  async revoke(id: string): Promise<boolean> {
    return (await this.scripts.revoke(this.base, id, new Date().toISOString())) === 1;
  }

  async verify(secret: string): Promise<ApiKey | null> {
    if (!isKeyShaped(secret)) return null;
    const fields = (await this.scripts.verify(this.base, hashKey(secret))) as string[] | null;
    if (!fields) return null;
    return this.throttle.noteUse(toKey(fromPairs(fields)), (id, at) => this.redis.hset(`${this.base}:key:${id}`, 'lastUsedAt', at));
  }
}
