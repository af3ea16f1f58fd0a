// Key webhook settings (key-webhooks.ts) in Redis, shared by every node: one hash per key,
// `<prefix>:webhooks:<keyId>` { secret, url (absent: none), updatedAt }. The store uses a
// connected client and never opens or closes it.
import type { Redis } from 'ioredis';
import type { KeyWebhooks } from './key-webhooks.js';
import { newWebhookSecret } from './signing.js';

export class RedisKeyWebhooks implements KeyWebhooks {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(keyId: string): string {
    return `${this.prefix}:webhooks:${keyId}`;
  }

  async newSecret(keyId: string): Promise<string> {
    const secret = newWebhookSecret();
    await this.redis.hset(this.key(keyId), 'secret', secret, 'updatedAt', new Date().toISOString());
    return secret;
  }

  async setUrl(keyId: string, url: string | null): Promise<void> {
    const key = this.key(keyId);
    // One transaction: a key without a secret gets one, and the URL never lands on a half record.
    const transaction = this.redis.multi().hsetnx(key, 'secret', newWebhookSecret()).hset(key, 'updatedAt', new Date().toISOString());
    const results = await (url === null ? transaction.hdel(key, 'url') : transaction.hset(key, 'url', url)).exec();
    for (const [error] of results ?? []) if (error) throw error;
  }

  async secret(keyId: string): Promise<string | null> {
    return this.redis.hget(this.key(keyId), 'secret');
  }

  async defaultUrl(keyId: string): Promise<string | null> {
    return this.redis.hget(this.key(keyId), 'url');
  }
}
