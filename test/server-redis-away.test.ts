// Distributed mode while Redis is away: a request that was already waiting on Redis when the
// connection dropped is answered 503 ERR_REDIS_UNAVAILABLE after a short grace (not held until Redis
// returns), later requests at once, and the service answers again once Redis is back, without a
// restart.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_GRACE_MS } from '../src/server/plugins/redis-away.js';
import { hashKey } from '../src/storage/keys.js';
import { startRedis, type RedisFixture } from './fixtures/redis.js';
import { startS3, type S3Fixture } from './fixtures/s3.js';
import { until } from './fixtures/serve-process.js';
import { startTestServer, type TestServer } from './fixtures/server.js';

const scratch = mkdtempSync(join(tmpdir(), 'mixchain-redis-away-'));
let redis: RedisFixture;
let s3: S3Fixture;
let server: TestServer;

beforeAll(async () => {
  [redis, s3] = await Promise.all([startRedis({ appendOnly: true }), startS3(scratch)]);
  server = await startTestServer({ workers: 0, env: { ...s3.env(), REDIS_URL: redis.url } });
});
afterAll(async () => {
  await server?.close();
  await redis?.stop();
  await s3?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('the API while Redis is away', () => {
  it('answers a request caught waiting on Redis with 503 after a short grace, then at once, and recovers when Redis returns', async () => {
    const list = () => server.app.inject({ url: '/api/v1/jobs', headers: server.auth() });
    expect((await list()).statusCode).toBe(200);

    // Frozen, Redis holds the connection open and answers nothing: the request passes the
    // readiness check and waits on the lookup of its key.
    redis.freeze();
    const caught = list();
    const records = server.app.services.redis!;
    const keyHash = hashKey(server.key);
    await until('the key lookup to wait on Redis', () => records.commandQueue.toArray().some((item) => item.command.args.some((arg) => String(arg) === keyHash)));
    const lostAt = Date.now();
    await redis.kill();
    const answered = await caught;
    const waited = Date.now() - lostAt;
    expect(answered.statusCode).toBe(503);
    expect(answered.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(answered.json()).toMatchObject({ code: 'ERR_REDIS_UNAVAILABLE', detail: expect.stringMatching(/connection was lost while this request waited on it; the outcome is unknown/) });
    expect(Number(answered.headers['retry-after'])).toBeGreaterThan(0);
    // The grace, not the whole outage (Redis is still down).
    expect(waited).toBeGreaterThanOrEqual(REDIS_GRACE_MS - 50);
    expect(waited).toBeLessThan(REDIS_GRACE_MS + 5000);

    const started = Date.now();
    const refused = await list();
    expect(refused.statusCode).toBe(503);
    expect(refused.json()).toMatchObject({ code: 'ERR_REDIS_UNAVAILABLE' });
    expect(Date.now() - started).toBeLessThan(1000);
    // Routes that need no Redis still answer.
    expect((await server.app.inject({ url: '/api/v1/info' })).statusCode).toBe(200);

    await redis.start();
    await until('the API to answer again', async () => (await list()).statusCode === 200);
  });
});
