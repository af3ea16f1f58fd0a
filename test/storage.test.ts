// User files on local disk and in a bucket (s3rver on loopback) behind a local cache: the shared
// Storage contract for both, then what only the bucket does: uploads in the background from a
// durable queue, presigned and public links, an outage across a restart, cache eviction,
// multipart uploads, downloads cut short, and the configuration from the environment.
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bucketConfigFromEnv, type BucketConfig } from '../src/storage/bucket-config.js';
import { BucketStorage } from '../src/storage/bucket-storage.js';
import { openDatabase, type Db } from '../src/storage/database.js';
import { LocalStorage } from '../src/storage/local-storage.js';
import type { ClientTimeouts } from '../src/sync/storage.js';
import { FaultyProxy } from './fixtures/faulty-proxy.js';
import { startS3, type S3Fixture } from './fixtures/s3.js';
import { mixKey, scratchFile, storageContract, uploadKey } from './fixtures/storage-contract.js';

const scratch = mkdtempSync(join(tmpdir(), 'mixchain-storage-test-'));
let s3: S3Fixture;
let dirs = 0;
const freshDir = () => join(scratch, `data-${++dirs}`);
const databases: Db[] = [];
const logged: Array<{ level: string; message: string; fields?: Record<string, unknown> }> = [];
const DAY_AHEAD = () => new Date(Date.now() + 25 * 3_600_000);

beforeAll(async () => {
  s3 = await startS3(scratch);
});

afterAll(async () => {
  for (const db of databases) if (db.open) db.close();
  await s3.close();
  rmSync(scratch, { recursive: true, force: true });
});

interface Opened {
  storage: BucketStorage;
  db: Db;
  config: BucketConfig;
}

/** A started BucketStorage on the test bucket over `dir` (its database and cache), retries capped at 1 s. */
async function openBucket(dir = freshDir(), env: Record<string, string> = {}, overrides: Partial<BucketConfig> = {}, timeouts?: ClientTimeouts): Promise<Opened> {
  const config = { ...bucketConfigFromEnv({ ...s3.env(), STORAGE_RETRY_MAX_S: '1', ...env }, dir)!, ...overrides };
  const db = openDatabase(dir);
  databases.push(db);
  const storage = new BucketStorage(config, db, (level, message, fields) => logged.push({ level, message, ...(fields ? { fields } : {}) }), timeouts);
  await storage.start();
  return { storage, db, config };
}

/** Polls `probe` (async allowed) until it holds. */
async function eventually<T>(probe: () => Promise<T> | T, what: string, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** `promise`, or a failure naming what did not happen within `ms`. */
async function within<T>(promise: Promise<T>, what: string, ms = 15_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// Bytes are compared by digest: a deep equality of megabytes is slow and its report unreadable.
const sha = (bytes: Buffer | null) => (bytes ? createHash('sha256').update(bytes).digest('hex') : null);

/** The digest of the file as the storage gives it locally, or null. */
async function cachedSha(storage: BucketStorage, key: string): Promise<string | null> {
  const path = await storage.localPath(key);
  return path ? sha(readFileSync(path)) : null;
}

const bucketSha = async (key: string) => sha(await s3.read(key));

/** An HTTP server on loopback that takes requests and never answers them. */
async function silentServer() {
  const requests: string[] = [];
  const server = createServer((request) => requests.push(request.method ?? ''));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close() {
      server.closeAllConnections();
      server.close();
    },
  };
}

const coded = (code: string) => expect.objectContaining({ name: 'MixchainError', code });

storageContract('local disk', async () => new LocalStorage(freshDir()));
storageContract('bucket (s3rver) behind a local cache', async () => (await openBucket()).storage);

describe('local disk', () => {
  it('counts the files already on disk when opened again', async () => {
    const dir = freshDir();
    const first = new LocalStorage(dir);
    await first.put(uploadKey(), scratchFile(first, randomBytes(3000)));
    await first.put(mixKey(), scratchFile(first, randomBytes(500)));
    expect(new LocalStorage(dir).stats()).toMatchObject({ cacheFiles: 2, cacheBytes: 3500, pendingUploads: 0, bucketReachable: null });
  });
});

describe('bucket storage', () => {
  it('uploads in the background: objects under uploads/ and mixes/ with the exact bytes and a content type, counted', async () => {
    const { storage } = await openBucket();
    const [upload, mix] = [uploadKey('wav'), mixKey('mp3')];
    const [uploadBytes, mixBytes] = [randomBytes(200_000), randomBytes(50_000)];
    await storage.put(upload, scratchFile(storage, uploadBytes));
    await storage.put(mix, scratchFile(storage, mixBytes));
    await within(storage.drained(), 'the upload queue to drain');
    expect(await bucketSha(upload)).toBe(sha(uploadBytes));
    expect(await bucketSha(mix)).toBe(sha(mixBytes));
    expect((await s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: mix }))).ContentType).toBe('audio/mpeg');
    expect(storage.stats()).toMatchObject({ pendingUploads: 0, failedUploads: 0, failedAttempts: 0, uploadedFiles: 2, uploadedBytes: 250_000, bucketReachable: true, lastError: null });
    expect(storage.status()).toEqual({ r2Configured: true, provider: 's3', bucket: s3.bucket, publicUrl: null });
    await storage.close();
  });

  it('gives presigned URLs that download the exact bytes as an attachment and stop working after their lifetime', async () => {
    const { storage } = await openBucket();
    const mix = mixKey('mp3');
    const bytes = randomBytes(64_000);
    await storage.put(mix, scratchFile(storage, bytes));
    await within(storage.drained(), 'the upload queue to drain');
    const issued = Date.now();
    const url = (await storage.presignedUrl(mix, 2, 'My mix.mp3'))!;
    expect(new URL(url).searchParams.get('X-Amz-Expires')).toBe('2');
    const answer = await fetch(url);
    expect(answer.status).toBe(200);
    expect(sha(Buffer.from(await answer.arrayBuffer()))).toBe(sha(bytes));
    expect(answer.headers.get('content-disposition')).toMatch(/^attachment; filename="My_mix\.mp3"/);
    await eventually(async () => {
      const late = await fetch(url);
      await late.arrayBuffer();
      return late.status === 403;
    }, 'the presigned URL to expire');
    // X-Amz-Date has whole seconds: a 2 s URL lives at least 1 s.
    expect(Date.now() - issued).toBeGreaterThanOrEqual(1000);
    const longest = (await storage.presignedUrl(mix, 30 * 86_400, 'mix.mp3'))!;
    expect(new URL(longest).searchParams.get('X-Amz-Expires')).toBe('604800');
    await storage.close();
  });

  it('links to R2_PUBLIC_URL for a public bucket once the file is there', async () => {
    const { storage } = await openBucket(freshDir(), { R2_PUBLIC_URL: 'https://media.example.test/' });
    expect(storage.status().publicUrl).toBe('https://media.example.test');
    const mix = mixKey('flac');
    await storage.put(mix, scratchFile(storage, randomBytes(1000)));
    await within(storage.drained(), 'the upload queue to drain');
    expect(await storage.presignedUrl(mix, 60, 'mix.flac')).toBe(`https://media.example.test/${mix}`);
    await storage.close();
  });

  it('with the bucket down: files usable from the cache at once, uploads and a delete queued across a restart, all done byte-identical when it is back', async () => {
    const dir = freshDir();
    let { storage, db } = await openBucket(dir);
    const [doomed, kept] = [mixKey(), uploadKey()];
    await storage.put(doomed, scratchFile(storage, randomBytes(5000)));
    await storage.put(kept, scratchFile(storage, randomBytes(7000)));
    await within(storage.drained(), 'the upload queue to drain');
    expect(await storage.cleanCache(DAY_AHEAD())).toEqual({ evicted: 2, bytes: 12_000 });
    const files = [1, 4096, 300_000, 2_000_000].map((size, i) => ({ key: i % 2 ? mixKey('wav') : uploadKey('flac'), bytes: randomBytes(size) }));

    await s3.stop();
    try {
      for (const file of files) {
        await storage.put(file.key, scratchFile(storage, file.bytes));
        expect(await cachedSha(storage, file.key)).toBe(sha(file.bytes));
        expect(await storage.presignedUrl(file.key, 60, 'a.wav')).toBeNull();
      }
      await storage.delete(doomed);
      expect(await storage.stat(doomed)).toBeNull();
      expect(await storage.localPath(doomed)).toBeNull();
      await eventually(() => storage.stats().bucketReachable === false && storage.stats().failedAttempts > 0, 'a failed upload attempt');
      expect(storage.stats()).toMatchObject({ pendingUploads: 4, bucketReachable: false });
      expect(storage.stats().failedUploads).toBeGreaterThanOrEqual(1);
      expect(storage.stats().lastError).toMatch(/\S/);
      expect(logged).toContainEqual({ level: 'warn', message: 'storage upload failed; will retry', fields: expect.objectContaining({ key: expect.stringMatching(/^(uploads|mixes)\//), attempts: 1 }) });
      // Unreachable is not missing: a file only the bucket holds cannot be read now, and says so.
      await expect(storage.localPath(kept)).rejects.toEqual(coded('ERR_STORAGE_UNAVAILABLE'));

      // The service restarts while the bucket is still down.
      await storage.close();
      db.close();
      ({ storage, db } = await openBucket(dir));
      expect(storage.stats().pendingUploads).toBe(4);
      for (const file of files) expect(await cachedSha(storage, file.key)).toBe(sha(file.bytes));
      expect(await storage.stat(doomed)).toBeNull();
      await eventually(() => storage.stats().failedAttempts > 0, 'the restarted uploader to try');
      // Nothing pending leaves the cache, however old.
      expect(await storage.cleanCache(DAY_AHEAD())).toEqual({ evicted: 0, bytes: 0 });
      expect(storage.stats().cacheFiles).toBe(4);
    } finally {
      await s3.restart();
    }
    await within(storage.drained(), 'the queue to drain once the bucket is back');
    for (const file of files) expect(await bucketSha(file.key), file.key).toBe(sha(file.bytes));
    expect(await s3.read(doomed)).toBeNull();
    expect((await s3.read(kept))?.length).toBe(7000);
    expect(storage.stats()).toMatchObject({ pendingUploads: 0, failedUploads: 0, uploadedFiles: 4, uploadedBytes: 2_304_097, bucketReachable: true });
    expect(await storage.presignedUrl(files[0]!.key, 60, 'a.flac')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    await storage.close();
  });

  it('in write-through mode (distributed): put returns only once the object is in the bucket, waiting out an outage', async () => {
    const { storage } = await openBucket(freshDir(), {}, { writeThrough: true });
    const [first, second] = [uploadKey(), mixKey()];
    const [firstBytes, secondBytes] = [randomBytes(40_000), randomBytes(60_000)];
    await storage.put(first, scratchFile(storage, firstBytes));
    // Another node reads the bucket, not this cache: the object is there when put returns.
    expect(await bucketSha(first)).toBe(sha(firstBytes));

    await s3.stop();
    let returned = false;
    const putting = storage.put(second, scratchFile(storage, secondBytes)).then((stored) => ((returned = true), stored));
    try {
      await eventually(() => storage.stats().failedAttempts > 0, 'a failed upload attempt');
      expect(returned).toBe(false);
      expect(await cachedSha(storage, second)).toBe(sha(secondBytes));
    } finally {
      await s3.restart();
    }
    expect(await within(putting, 'the put to return once the bucket is back')).toEqual({ key: second, size: 60_000 });
    expect(await bucketSha(second)).toBe(sha(secondBytes));
    await storage.close();
  });

  it('evicts the least recently used over the size cap and everything past the TTL; a read after eviction downloads again (a miss, then a hit)', async () => {
    const { storage, config } = await openBucket(freshDir(), {}, { cacheMaxBytes: 350_000 });
    const files = ['a', 'b', 'c', 'd'].map(() => ({ key: uploadKey(), bytes: randomBytes(100_000) }));
    const [a, b] = files as [(typeof files)[0], (typeof files)[0]];
    for (const file of files) await storage.put(file.key, scratchFile(storage, file.bytes));
    await within(storage.drained(), 'the upload queue to drain');
    expect(await cachedSha(storage, a.key)).toBe(sha(a.bytes));

    expect(await storage.cleanCache()).toEqual({ evicted: 1, bytes: 100_000 });
    expect(existsSync(join(config.cacheDir, b.key))).toBe(false);
    for (const file of files.filter((f) => f !== b)) expect(existsSync(join(config.cacheDir, file.key)), file.key).toBe(true);
    expect(storage.stats()).toMatchObject({ cacheFiles: 3, cacheBytes: 300_000 });

    const before = storage.stats();
    expect(await storage.stat(b.key)).toEqual({ key: b.key, size: 100_000 });
    expect(storage.stats().cacheMisses).toBe(before.cacheMisses);
    expect(await cachedSha(storage, b.key)).toBe(sha(b.bytes));
    expect(storage.stats()).toMatchObject({ cacheMisses: before.cacheMisses + 1, cacheHits: before.cacheHits, cacheFiles: 4 });
    expect(await cachedSha(storage, b.key)).toBe(sha(b.bytes));
    expect(storage.stats()).toMatchObject({ cacheMisses: before.cacheMisses + 1, cacheHits: before.cacheHits + 1 });

    expect(await storage.cleanCache(new Date(Date.now() + 3_600_000))).toEqual({ evicted: 1, bytes: 100_000 });
    expect(await storage.cleanCache(DAY_AHEAD())).toEqual({ evicted: 3, bytes: 300_000 });
    expect(storage.stats()).toMatchObject({ cacheFiles: 0, cacheBytes: 0 });
    expect(readdirSync(join(config.cacheDir, 'uploads'))).toEqual([]);
    await storage.close();
  });

  it('never evicts a file whose upload is pending, by size or by age', async () => {
    const { storage } = await openBucket(freshDir(), {}, { cacheMaxBytes: 1 });
    const files = [1, 2, 3].map(() => ({ key: mixKey(), bytes: randomBytes(20_000) }));
    await s3.stop();
    try {
      for (const file of files) await storage.put(file.key, scratchFile(storage, file.bytes));
      expect(await storage.cleanCache()).toEqual({ evicted: 0, bytes: 0 });
      expect(await storage.cleanCache(DAY_AHEAD())).toEqual({ evicted: 0, bytes: 0 });
      for (const file of files) expect(await cachedSha(storage, file.key)).toBe(sha(file.bytes));
    } finally {
      await s3.restart();
    }
    await within(storage.drained(), 'the queue to drain once the bucket is back');
    expect(await storage.cleanCache()).toEqual({ evicted: 3, bytes: 60_000 });
    for (const file of files) expect(await cachedSha(storage, file.key)).toBe(sha(file.bytes));
    await storage.close();
  });

  it('sends a small file in one PUT, a big one (over 64 MiB) in parts, and gets them back byte-identical', async () => {
    const { storage } = await openBucket();
    const small = mixKey('wav');
    const smallBytes = randomBytes(12 * 1024 * 1024);
    await storage.put(small, scratchFile(storage, smallBytes));
    await within(storage.drained(), 'the single upload');
    const smallPuts = s3.requests.filter((r) => r.method === 'PUT' && r.url.includes(small.split('/')[1]!));
    expect(smallPuts.map((r) => new URL(r.url, s3.endpoint).searchParams.get('partNumber'))).toEqual([null]);
    expect(await bucketSha(small)).toBe(sha(smallBytes));

    const mix = mixKey('wav');
    const bytes = randomBytes(68 * 1024 * 1024);
    await storage.put(mix, scratchFile(storage, bytes));
    await within(storage.drained(), 'the multipart upload');
    const parts = s3.requests.filter((r) => r.method === 'PUT' && r.url.includes(mix.split('/')[1]!)).map((r) => new URL(r.url, s3.endpoint).searchParams.get('partNumber'));
    expect(parts.sort()).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(await bucketSha(mix)).toBe(sha(bytes));
    expect(await storage.cleanCache(DAY_AHEAD())).toEqual({ evicted: 2, bytes: bytes.length + smallBytes.length });
    expect(await cachedSha(storage, mix)).toBe(sha(bytes));
    await storage.close();
  });

  it('retries a download cut short and never leaves half a file in the cache', async () => {
    const proxy = new FaultyProxy(s3.port);
    const { storage, config } = await openBucket(freshDir(), { R2_ENDPOINT: `http://127.0.0.1:${await proxy.start()}` });
    try {
      const mix = mixKey('wav');
      const bytes = randomBytes(500_000);
      await storage.put(mix, scratchFile(storage, bytes));
      await within(storage.drained(), 'the upload queue to drain');
      await storage.cleanCache(DAY_AHEAD());
      proxy.inject({ key: mix.split('/')[1]!, kind: 'cut', times: 1 });
      expect(await cachedSha(storage, mix)).toBe(sha(bytes));
      expect(proxy.getsOf(mix.split('/')[1]!)).toBe(2);
      expect(readdirSync(join(config.cacheDir, '.partial'))).toEqual([]);
    } finally {
      await storage.close();
      await proxy.stop();
    }
  });

  it('gives up on a request the bucket never answers and tries again', async () => {
    const silent = await silentServer();
    const { storage } = await openBucket(freshDir(), { R2_ENDPOINT: silent.endpoint }, {}, { connectMs: 1000, idleMs: 300 });
    try {
      await storage.put(mixKey(), scratchFile(storage, randomBytes(10_000)));
      await eventually(() => storage.stats().failedAttempts >= 2, 'two timed-out attempts');
      expect(silent.requests.length).toBeGreaterThanOrEqual(2);
      expect(storage.stats()).toMatchObject({ pendingUploads: 1, failedUploads: 1, bucketReachable: false, lastError: expect.stringMatching(/timeout/i) });
    } finally {
      await storage.close();
      silent.close();
    }
  });

  it('close() abandons an upload in flight, which the next start sends', async () => {
    const silent = await silentServer();
    const requests = silent.requests;
    const dir = freshDir();
    const hanging = await openBucket(dir, { R2_ENDPOINT: silent.endpoint });
    const mix = mixKey('wav');
    const bytes = randomBytes(30_000);
    try {
      await hanging.storage.put(mix, scratchFile(hanging.storage, bytes));
      const waiting = hanging.storage.drained();
      await eventually(() => requests.length > 0, 'the upload to reach the server');
      const closing = Date.now();
      await hanging.storage.close();
      expect(Date.now() - closing).toBeLessThan(2000);
      await expect(waiting).rejects.toEqual(coded('ERR_STORAGE_CLOSED'));
      expect(hanging.storage.stats()).toMatchObject({ pendingUploads: 1, failedAttempts: 0 });
    } finally {
      silent.close();
    }
    hanging.db.close();
    const { storage } = await openBucket(dir);
    await within(storage.drained(), 'the queue to drain after the restart');
    expect(await bucketSha(mix)).toBe(sha(bytes));
    await storage.close();
  });
});

describe('bucket configuration', () => {
  const full = { R2_ACCOUNT_ID: 'abc123', R2_ACCESS_KEY_ID: 'AKIDEXAMPLE', R2_SECRET_ACCESS_KEY: 'very-secret-value', R2_BUCKET_NAME: 'plugins' };

  it('is absent without R2 variables or with USE_R2_STORAGE=false', () => {
    expect(bucketConfigFromEnv({}, 'data')).toBeNull();
    expect(bucketConfigFromEnv({ ...full, USE_R2_STORAGE: 'false' }, 'data')).toBeNull();
  });

  it('reads the account, the media bucket before the plugin bucket, and the cache defaults', () => {
    expect(bucketConfigFromEnv(full, 'data')).toEqual({
      endpoint: 'https://abc123.r2.cloudflarestorage.com',
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'very-secret-value',
      bucket: 'plugins',
      provider: 'cloudflare-r2',
      publicUrl: null,
      cacheDir: join('data', 'cache'),
      cacheTtlHours: 24,
      cacheMaxBytes: 10 * 1024 ** 3,
      retryMaxSeconds: 300,
    });
    const custom = { ...full, R2_ENDPOINT: 'http://127.0.0.1:9000', R2_MEDIA_BUCKET: 'media', R2_PUBLIC_URL: 'https://cdn.example.test/files/', USE_R2_STORAGE: 'true' };
    const extra = { CACHE_DIR: 'elsewhere', CACHE_TTL_HOURS: '0.5', CACHE_MAX_GB: '2', STORAGE_RETRY_MAX_S: '60' };
    expect(bucketConfigFromEnv({ ...custom, ...extra }, 'data')).toMatchObject({
      endpoint: 'http://127.0.0.1:9000',
      bucket: 'media',
      provider: 's3',
      publicUrl: 'https://cdn.example.test/files',
      cacheDir: 'elsewhere',
      cacheTtlHours: 0.5,
      cacheMaxBytes: 2 * 1024 ** 3,
      retryMaxSeconds: 60,
    });
  });

  it('names what is missing or malformed, never a secret', () => {
    const attempts: Array<[Record<string, string>, RegExp]> = [
      [{ R2_ACCESS_KEY_ID: 'AKIDEXAMPLE', R2_SECRET_ACCESS_KEY: 'very-secret-value' }, /R2_ACCOUNT_ID \(or R2_ENDPOINT\) is not set.*R2_MEDIA_BUCKET \(or R2_BUCKET_NAME\) is not set/],
      [{ USE_R2_STORAGE: 'true' }, /R2_ACCESS_KEY_ID is not set; R2_SECRET_ACCESS_KEY is not set/],
      [{ ...full, USE_R2_STORAGE: 'maybe' }, /USE_R2_STORAGE is not true or false/],
      [{ ...full, CACHE_MAX_GB: 'lots' }, /CACHE_MAX_GB is not a number/],
      [{ ...full, STORAGE_RETRY_MAX_S: '0' }, /STORAGE_RETRY_MAX_S is not an integer from 1/],
      [{ ...full, R2_PUBLIC_URL: 'ftp://cdn.example.test' }, /R2_PUBLIC_URL is not an http\(s\) URL/],
    ];
    for (const [env, message] of attempts) {
      let error: unknown;
      try {
        bucketConfigFromEnv(env, 'data');
      } catch (caught) {
        error = caught;
      }
      expect(error, JSON.stringify(env)).toEqual(expect.objectContaining({ code: 'ERR_CONFIG', message: expect.stringMatching(message) }));
      expect((error as Error).message).not.toMatch(/very-secret-value|AKIDEXAMPLE/);
    }
  });
});
