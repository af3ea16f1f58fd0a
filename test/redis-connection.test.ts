// The Redis of distributed mode is checked as production needs it: new enough, never evicting,
// reachable; each refusal names what was expected and what the server is, never a password. And
// a render node refuses to start without Redis or without workers.
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRedisInfo, connectRedis } from '../src/jobs/redis-connection.js';
import { startRedis, type RedisFixture } from './fixtures/redis.js';
import { mixchainWith } from './fixtures/serve-process.js';

let redis: RedisFixture;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const info = (version: string, policy: string) => `# Server\r\nredis_version:${version}\r\nredis_mode:standalone\r\n\r\n# Memory\r\nmaxmemory_policy:${policy}\r\n`;
const url = 'redis://user:s3cret-pass@redis.internal:6379/0';

describe('Redis for distributed mode', () => {
  it('accepts 6.2 and newer with noeviction; refuses older servers and evicting policies, naming both sides', () => {
    for (const version of ['6.2.0', '6.2.14', '7.0.15', '10.0.0']) expect(() => checkRedisInfo(info(version, 'noeviction'), url)).not.toThrow();
    expect(() => checkRedisInfo(info('6.0.16', 'noeviction'), url)).toThrow(
      expect.objectContaining({ code: 'ERR_REDIS_UNSUITABLE', message: 'Expected Redis 6.2.0 or newer at redis://redis.internal:6379/0 but it is 6.0.16' }),
    );
    expect(() => checkRedisInfo(info('7.2.4', 'allkeys-lru'), url)).toThrow(expect.objectContaining({ code: 'ERR_REDIS_UNSUITABLE', message: expect.stringMatching(/maxmemory-policy noeviction but it has allkeys-lru/) }));
    expect(() => checkRedisInfo('# Server\r\n', url)).toThrow(expect.objectContaining({ message: expect.stringMatching(/but it is unknown$/) }));
  });

  it('connects to a suitable server and refuses one whose eviction policy was changed', async () => {
    const client = await connectRedis(redis.url);
    try {
      expect(await client.ping()).toBe('PONG');
      await client.config('SET', 'maxmemory-policy', 'volatile-lru');
      await expect(connectRedis(redis.url)).rejects.toMatchObject({ code: 'ERR_REDIS_UNSUITABLE', message: expect.stringMatching(/has volatile-lru/) });
    } finally {
      await client.config('SET', 'maxmemory-policy', 'noeviction');
      await client.quit();
    }
  });

  it('says Redis is unreachable, without the password, when nothing answers', async () => {
    // A port that was free a moment ago: nothing listens there.
    const server = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    const started = Date.now();
    const error = await connectRedis(`redis://:hunter2@127.0.0.1:${port}`).catch((e: Error) => e);
    expect(error).toMatchObject({ code: 'ERR_REDIS_UNAVAILABLE', message: expect.stringContaining(`Expected a Redis server at redis://127.0.0.1:${port}`) });
    expect((error as Error).message).not.toContain('hunter2');
    expect(Date.now() - started).toBeLessThan(11_000);
  });

  it('refuses to start a render node without REDIS_URL, without workers, or without the bucket', async () => {
    const noRedis = await mixchainWith({ REDIS_URL: '' }, 'worker', '--port', '0');
    expect(noRedis).toMatchObject({ code: 1, stderr: expect.stringMatching(/^mixchain: ERR_CONFIG: Expected REDIS_URL for mixchain worker/) });
    const bucket = { R2_ENDPOINT: 'http://127.0.0.1:9', R2_ACCESS_KEY_ID: 'id', R2_SECRET_ACCESS_KEY: 'secret', R2_BUCKET_NAME: 'media' };
    const noWorkers = await mixchainWith({ REDIS_URL: redis.url, ...bucket }, 'worker', '--port', '0', '--workers', '0');
    expect(noWorkers).toMatchObject({ code: 1, stderr: expect.stringMatching(/ERR_CONFIG: Expected at least 1 render worker/) });
    const noBucket = await mixchainWith({ REDIS_URL: redis.url, R2_ENDPOINT: '', R2_ACCOUNT_ID: '', R2_BUCKET_NAME: '', R2_MEDIA_BUCKET: '' }, 'worker', '--port', '0');
    expect(noBucket).toMatchObject({ code: 1, stderr: expect.stringMatching(/ERR_CONFIG: Expected a bucket for user files with REDIS_URL/) });
    // Nothing was written to Redis by the refused starts.
    const probe = new Redis(redis.url);
    expect(await probe.dbsize()).toBe(0);
    probe.disconnect();
  });
});
