// The service's configuration from the environment: defaults, the names of the system we
// replace (VULTR_*), delivery schedules, the bucket or its fallback to local disk, and errors that
// name the variable and what it must be, never a secret's value.
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/server/config.js';

const config = (env: Record<string, string>) => resolveConfig({ dataDir: '/data' }, env);

describe('service configuration', () => {
  it('has the defaults of the design: local disk, no forwarding, private targets refused, the Standard Webhooks schedule', () => {
    const c = config({});
    expect(c).toMatchObject({ bucket: null, storageWarning: null, fallbackToLocal: true, forward: null, allowPrivateTargets: false, publicUrl: null, webhookTimeoutSeconds: 15, forwardTimeoutSeconds: 300 });
    expect(c.webhookScheduleMs).toEqual([0, 5e3, 300e3, 1800e3, 7200e3, 18000e3, 36000e3, 36000e3, 50400e3, 72000e3]);
    // About three days in all, as Stripe and Svix keep trying.
    expect(c.webhookScheduleMs.reduce((a, b) => a + b) / 86_400_000).toBeCloseTo(2.6, 1);
    expect(c.forwardScheduleMs).toEqual([0, 5e3, 30e3, 120e3, 600e3, 1800e3, 3600e3]);
  });

  it('reads FORWARD_* and, as aliases, the VULTR_* names; FORWARD_* wins', () => {
    expect(config({ FORWARD_URL: 'https://proc.example/', FORWARD_API_KEY: 'k1', FORWARD_AUTO: 'true' }).forward).toEqual({ url: 'https://proc.example/upload', apiKey: 'k1', auto: true });
    expect(config({ VULTR_API_URL: 'http://10.0.0.5:8000', VULTR_UPLOAD_ENDPOINT: 'api/ingest', VULTR_API_KEY: 'k2', VULTR_AUTO_UPLOAD: '1' }).forward).toEqual({ url: 'http://10.0.0.5:8000/api/ingest', apiKey: 'k2', auto: true });
    expect(config({ FORWARD_URL: 'https://a.example', VULTR_API_URL: 'https://b.example', FORWARD_PATH: '/in' }).forward).toEqual({ url: 'https://a.example/in', apiKey: null, auto: false });
    expect(config({ FORWARD_API_KEY: 'k' }).forward).toBeNull();
  });

  it('parses schedules with units and booleans in words', () => {
    expect(config({ WEBHOOK_RETRY_SCHEDULE: '0, 250ms, 1.5s, 2m, 1h, 1d' }).webhookScheduleMs).toEqual([0, 250, 1500, 120_000, 3_600_000, 86_400_000]);
    expect(config({ MIXCHAIN_ALLOW_PRIVATE_TARGETS: 'yes', FALLBACK_TO_LOCAL: 'off' })).toMatchObject({ allowPrivateTargets: true, fallbackToLocal: false });
  });

  it('refuses malformed values, naming the variable and what it must be', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ WEBHOOK_RETRY_SCHEDULE: '0,5x' }, /WEBHOOK_RETRY_SCHEDULE to be a list of waits like '0,5s,5m,2h' but got '5x'/],
      [{ FORWARD_RETRY_SCHEDULE: ',' }, /FORWARD_RETRY_SCHEDULE to list 1 to 50 waits but got 0/],
      [{ MIXCHAIN_ALLOW_PRIVATE_TARGETS: 'maybe' }, /MIXCHAIN_ALLOW_PRIVATE_TARGETS to be true or false but got 'maybe'/],
      [{ FORWARD_URL: 'ftp://proc.example' }, /FORWARD_URL to be an http\(s\) URL but got a ftp: URL/],
      [{ VULTR_API_URL: 'not a url' }, /VULTR_API_URL to be an http\(s\) URL/],
      [{ FORWARD_URL: 'https://p.example', FORWARD_AUTO: 'sometimes' }, /FORWARD_AUTO to be true or false/],
      [{ MIXCHAIN_PUBLIC_URL: 'mixchain.example' }, /MIXCHAIN_PUBLIC_URL to be an http\(s\) URL/],
      [{ WEBHOOK_TIMEOUT_S: '0' }, /WEBHOOK_TIMEOUT_S to be an integer from 1 to 300 but got '0'/],
      [{ REDIS_URL: 'http://127.0.0.1:6379' }, /REDIS_URL to be a redis:\/\/ or rediss:\/\/ URL but got a http: URL/],
      [{ REDIS_URL: '127.0.0.1:6379' }, /REDIS_URL to be a redis:\/\/ or rediss:\/\/ URL/],
      [{ REDIS_PREFIX: 'a b' }, /REDIS_PREFIX to be 1 to 64 letters/],
    ];
    for (const [env, message] of cases) expect(() => config(env), JSON.stringify(env)).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', message: expect.stringMatching(message) }));
  });

  it('uses the bucket when its variables are complete; incomplete, falls back to local disk and says why, or refuses to start', () => {
    const bucket = { R2_ENDPOINT: 'http://127.0.0.1:9000', R2_ACCESS_KEY_ID: 'id', R2_SECRET_ACCESS_KEY: 'very-secret-value', R2_BUCKET_NAME: 'plugins', R2_MEDIA_BUCKET: 'media' };
    expect(config(bucket).bucket).toMatchObject({ bucket: 'media', provider: 's3', cacheDir: '/data/cache', publicUrl: null });
    expect(config({ ...bucket, R2_ENDPOINT: 'https://acc.r2.cloudflarestorage.com' }).bucket?.provider).toBe('cloudflare-r2');
    expect(config({ ...bucket, USE_R2_STORAGE: 'false' }).bucket).toBeNull();

    const { R2_ACCESS_KEY_ID: _id, ...incomplete } = bucket;
    const fallen = config(incomplete);
    expect(fallen.bucket).toBeNull();
    expect(fallen.storageWarning).toMatch(/R2_ACCESS_KEY_ID is not set.*FALLBACK_TO_LOCAL/);
    expect(fallen.storageWarning).not.toContain('very-secret-value');
    expect(() => config({ ...incomplete, FALLBACK_TO_LOCAL: 'false' })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', message: expect.stringMatching(/R2_ACCESS_KEY_ID is not set/) }));
  });

  it('in distributed mode (REDIS_URL) needs the bucket, written through, and never falls back to local disk', () => {
    const bucket = { R2_ENDPOINT: 'http://127.0.0.1:9000', R2_ACCESS_KEY_ID: 'id', R2_SECRET_ACCESS_KEY: 'very-secret-value', R2_BUCKET_NAME: 'media' };
    const redis = { REDIS_URL: 'redis://:pass@127.0.0.1:6379/0' };
    expect(config({})).toMatchObject({ redisUrl: null, redisPrefix: 'mixchain' });
    expect(config({ ...bucket, ...redis, REDIS_PREFIX: '{mc}' })).toMatchObject({ redisUrl: redis.REDIS_URL, redisPrefix: '{mc}', bucket: { bucket: 'media', writeThrough: true } });
    expect(config(bucket).bucket?.writeThrough).toBeUndefined();
    expect(() => config(redis)).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', message: expect.stringMatching(/Expected a bucket for user files with REDIS_URL .* but got none/) }));
    const { R2_ACCESS_KEY_ID: _id, ...incomplete } = bucket;
    expect(() => config({ ...incomplete, ...redis })).toThrow(expect.objectContaining({ message: expect.stringMatching(/R2_ACCESS_KEY_ID is not set.*FALLBACK_TO_LOCAL cannot apply/) }));
  });
});
