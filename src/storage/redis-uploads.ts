// Upload records on Redis, for several API and render nodes sharing one Redis; the same contract
// as the SQLite store (sqlite-uploads.ts). Keys under B = `<prefix>:uploads`:
//   B:upload:<id>  hash: the record (its UploadRecord fields as text; no filename field: null)
//   B:expiry       zset: every upload id, score = expiresAt in epoch ms (also what count() counts)
// Adding, removing and expiring are scripts, so a record and its expiry entry change together;
// expire() takes a batch of due records and deletes them in one script, so nodes cleaning up at
// once each get other records. A record names its key: get and remove answer null for another's.
import type { Redis } from 'ioredis';
import { defineScript, fromPairs, type RedisScript } from './redis-script.js';
import { uploadExists, type UploadRecord, type UploadStore } from './uploads.js';

// ARGV: id, expiry score, then field, value, … Answers 0 when the id is taken.
const ADD = `
local B = KEYS[1]
local k = B .. ':upload:' .. ARGV[1]
if redis.call('EXISTS', k) == 1 then return 0 end
redis.call('HSET', k, unpack(ARGV, 3))
redis.call('ZADD', B .. ':expiry', ARGV[2], ARGV[1])
return 1`;

// ARGV: id, keyId. Answers the removed record (HGETALL), or nil when there is none of that key.
const REMOVE = `
local B = KEYS[1]
local k = B .. ':upload:' .. ARGV[1]
if redis.call('HGET', k, 'keyId') ~= ARGV[2] then return false end
local record = redis.call('HGETALL', k)
redis.call('DEL', k)
redis.call('ZREM', B .. ':expiry', ARGV[1])
return record`;

// ARGV: now in epoch ms, batch size. Answers the records (HGETALL each) that expired before now, deleted.
const EXPIRE = `
local B = KEYS[1]
local ids = redis.call('ZRANGEBYSCORE', B .. ':expiry', '-inf', '(' .. ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local records = {}
for i, id in ipairs(ids) do
  local k = B .. ':upload:' .. id
  records[i] = redis.call('HGETALL', k)
  redis.call('DEL', k)
  redis.call('ZREM', B .. ':expiry', id)
end
return records`;

/** Records deleted per script call: a long clean-up does not hold Redis for one long step. */
const EXPIRE_BATCH = 500;

const toRecord = (h: Record<string, string>): UploadRecord => ({
  id: h.id!,
  keyId: h.keyId!,
  key: h.key!,
  filename: h.filename ?? null,
  mimetype: h.mimetype!,
  size: Number(h.size),
  durationSeconds: Number(h.durationSeconds),
  sampleRate: Number(h.sampleRate),
  channels: Number(h.channels),
  createdAt: h.createdAt!,
  expiresAt: h.expiresAt!,
});

/** The record as HSET fields (field, value, …); a null filename is left out. */
const toFields = (u: UploadRecord): string[] => [
  ...['id', u.id, 'keyId', u.keyId, 'key', u.key, 'mimetype', u.mimetype, 'size', String(u.size), 'durationSeconds', String(u.durationSeconds)],
  ...['sampleRate', String(u.sampleRate), 'channels', String(u.channels), 'createdAt', u.createdAt, 'expiresAt', u.expiresAt],
  ...(u.filename === null ? [] : ['filename', u.filename]),
];

export class RedisUploadStore implements UploadStore {
  private readonly base: string;
  private readonly scripts: { add: RedisScript; remove: RedisScript; expire: RedisScript };

  /** `redis` is connected and stays the caller's to close; `prefix` as for the job queue (default there `mixchain`). */
  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.base = `${prefix}:uploads`;
    this.scripts = { add: defineScript(redis, 'mcUploadAdd', ADD), remove: defineScript(redis, 'mcUploadRemove', REMOVE), expire: defineScript(redis, 'mcUploadExpire', EXPIRE) };
  }

  async add(u: UploadRecord): Promise<UploadRecord> {
    if ((await this.scripts.add(this.base, u.id, Date.parse(u.expiresAt), ...toFields(u))) !== 1) throw uploadExists(u.id);
    return u;
  }

  async get(keyId: string, id: string): Promise<UploadRecord | null> {
    const fields = await this.redis.hgetall(`${this.base}:upload:${id}`);
    return fields.keyId === keyId ? toRecord(fields) : null;
  }

  async remove(keyId: string, id: string): Promise<UploadRecord | null> {
    const fields = (await this.scripts.remove(this.base, id, keyId)) as string[] | null;
    return fields ? toRecord(fromPairs(fields)) : null;
  }

  async expire(now: Date): Promise<UploadRecord[]> {
    const expired: UploadRecord[] = [];
    for (;;) {
      const batch = (await this.scripts.expire(this.base, now.getTime(), EXPIRE_BATCH)) as string[][];
      expired.push(...batch.map((fields) => toRecord(fromPairs(fields))));
      if (batch.length < EXPIRE_BATCH) return expired;
    }
  }

  async count(): Promise<number> {
    return this.redis.zcard(`${this.base}:expiry`);
  }
}
