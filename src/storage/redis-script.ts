// The Lua scripts of the stores on Redis (redis-keys.ts, redis-uploads.ts): where a change touches
// several keys, one script makes it, so changes from several nodes never interleave. A script is
// defined on the store's client (ioredis sends EVALSHA and loads it when the server lacks it) and
// gets the store's namespace base as its one key, computing the rest from it: for Redis Cluster,
// give a prefix in braces (`{mixchain}`). The client must have no ioredis `keyPrefix` (the keys a
// script computes would not get it).
import type { Redis } from 'ioredis';

export type RedisScript = (base: string, ...args: Array<string | number>) => Promise<unknown>;

/** Defines script `name` on the client and returns the call of it. Names start with `mc` so they never shadow a command. */
export function defineScript(redis: Redis, name: `mc${string}`, lua: string): RedisScript {
  redis.defineCommand(name, { numberOfKeys: 1, lua });
  const command = (redis as unknown as Record<string, (...args: Array<string | number>) => Promise<unknown>>)[name]!;
  return (base, ...args) => command.call(redis, base, ...args);
}

/** A hash as HGETALL answers it inside a script (field, value, field, value…) as an object. */
export function fromPairs(flat: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
  return fields;
}
