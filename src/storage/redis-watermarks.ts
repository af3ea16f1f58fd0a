// Watermarks (watermarks.ts) in Redis, shared by every node: one string per name,
// `<prefix>:watermarks:<name>`, moved forward by a script (read, compare and write in one step,
// so a node that is behind never moves it back). The store uses a connected client and never
// opens or closes it.
import type { Redis } from 'ioredis';
import { defineScript, type RedisScript } from './redis-script.js';
import type { Watermarks } from './watermarks.js';

// KEYS[1]: the watermark; ARGV[1]: the value. Text comparison, as SQLite's max() does.
const ADVANCE_LUA = `
local current = redis.call('GET', KEYS[1])
if not current or current < ARGV[1] then redis.call('SET', KEYS[1], ARGV[1]) end
return 0
`;

export class RedisWatermarks implements Watermarks {
  private readonly advanceScript: RedisScript;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    this.advanceScript = defineScript(redis, 'mcWatermarkAdvance', ADVANCE_LUA);
  }

  private key(name: string): string {
    return `${this.prefix}:watermarks:${name}`;
  }

  async get(name: string): Promise<string | null> {
    return this.redis.get(this.key(name));
  }

  async advance(name: string, value: string): Promise<void> {
    await this.advanceScript(this.key(name), value);
  }
}
