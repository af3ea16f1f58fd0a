// User files on a bucket (s3rver on loopback) through the service: uploads and results land
// under uploads/ and mixes/ byte for byte, results are downloaded through presigned URLs (or a
// public bucket's links), and a bucket outage across a kill -9 and a restart of the service loses
// nothing: jobs complete from the cache, their uploads wait in the database, the cache never
// drops a waiting file, and every object arrives when the bucket is back.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BucketStorage } from '../src/storage/bucket-storage.js';
import { startS3, type S3Fixture } from './fixtures/s3.js';
import { killServers, startServe, until, type ServeProcess } from './fixtures/serve-process.js';
import { makeAudio, startTestServer, upload, type AudioFixtures, type TestServer } from './fixtures/server.js';

const scratch = mkdtempSync(join(tmpdir(), 'mixchain-server-storage-'));
let s3: S3Fixture;
let audio: AudioFixtures;

beforeAll(async () => {
  audio = await makeAudio(2);
  s3 = await startS3(scratch);
});
afterEach(killServers);
afterAll(async () => {
  await s3?.close();
  audio?.remove();
  rmSync(scratch, { recursive: true, force: true });
});

async function json(url: string, init: RequestInit = {}) {
  const response = await fetch(url, init);
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

describe('on a bucket, in process', () => {
  let server: TestServer;
  const storage = () => server.app.services.storage as BucketStorage;

  beforeAll(async () => {
    server = await startTestServer({ listen: true, workers: 1, env: { ...s3.env(), STORAGE_RETRY_MAX_S: '1' } });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('stores uploads and results under uploads/ and mixes/ with their exact bytes; the result is a 302 to a presigned URL that works without the key', async () => {
    const status = await json(`${server.url}/api/v1/uploads/status`, { headers: server.auth() });
    expect(status.body).toEqual({ r2Configured: true, provider: 's3', bucket: s3.bucket, publicUrl: null, bucketReachable: null, pendingUploads: 0, warning: null });

    const vocal = await upload(server, audio.vocalWav);
    expect(vocal.key).toMatch(/^uploads\/[0-9a-f-]{36}\.wav$/);
    await storage().drained();
    expect((await s3.read(vocal.key as string))!.equals(readFileSync(audio.vocalWav))).toBe(true);

    const submitted = await json(`${server.url}/api/v1/jobs`, { method: 'POST', headers: { ...server.auth(), 'content-type': 'application/json' }, body: JSON.stringify({ vocal: vocal.id, format: 'flac' }) });
    const job = await until('the job to complete', async () => {
      const read = await json(`${server.url}/api/v1/jobs/${submitted.body.id}`, { headers: server.auth() });
      return read.body.status === 'completed' ? read.body : undefined;
    });
    await storage().drained();
    const stored = await s3.read(`mixes/${job.id}.flac`);
    expect(stored?.length).toBe(job.result.size);

    const result = await fetch(`${server.url}/api/v1/jobs/${job.id}/result`, { headers: server.auth(), redirect: 'manual' });
    expect(result.status).toBe(302);
    const location = result.headers.get('location')!;
    expect(location.startsWith(`${s3.endpoint}/${s3.bucket}/mixes/${job.id}.flac?`)).toBe(true);
    expect(new URL(location).searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    // Without the API key: the link is the credential.
    const downloaded = await fetch(location);
    expect(downloaded.status).toBe(200);
    expect(Buffer.from(await downloaded.arrayBuffer()).equals(stored!)).toBe(true);
    // ?redirect=false: the same bytes from the service itself (the web page reads them so).
    const direct = await fetch(`${server.url}/api/v1/jobs/${job.id}/result?redirect=false`, { headers: server.auth(), redirect: 'manual' });
    expect(direct.status).toBe(200);
    expect(direct.headers.get('content-type')).toBe('audio/flac');
    expect(Buffer.from(await direct.arrayBuffer()).equals(stored!)).toBe(true);
    // Read once the upload is done, the job's link is the bucket's too.
    const reread = await json(`${server.url}/api/v1/jobs/${job.id}`, { headers: server.auth() });
    expect(reread.body.result.url.startsWith(`${s3.endpoint}/${s3.bucket}/mixes/${job.id}.flac?`)).toBe(true);
    // It lives PRESIGNED_URL_TTL_SECONDS (its expiry is tested on the storage itself).
    expect(new URL(location).searchParams.get('X-Amz-Expires')).toBe('3600');

    const after = await json(`${server.url}/api/v1/uploads/status`, { headers: server.auth() });
    expect(after.body).toMatchObject({ bucketReachable: true, pendingUploads: 0 });
    const stats = await json(`${server.url}/stats`);
    expect(stats.body.storage).toMatchObject({ provider: 's3', pendingUploads: 0, failedUploads: 0, uploadedFiles: expect.any(Number), cacheHitRate: expect.any(Number) });
    expect(stats.body.storage.uploadedFiles).toBeGreaterThanOrEqual(2);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/^mixchain_storage_pending_uploads 0$/m);
    expect(metrics).toMatch(/^mixchain_storage_bucket_reachable 1$/m);
    expect(Number(/^mixchain_storage_cache_bytes (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
  });

  it('deletes an upload from the cache and from the bucket', async () => {
    const vocal = await upload(server, audio.vocalWav);
    await storage().drained();
    expect(await s3.read(vocal.key as string)).not.toBeNull();
    expect((await fetch(`${server.url}/api/v1/uploads/${vocal.id}`, { method: 'DELETE', headers: server.auth() })).status).toBe(204);
    await until('the object to be deleted', async () => (await s3.read(vocal.key as string)) === null);
  });
});

describe('a public bucket', () => {
  it('links to R2_PUBLIC_URL/<key> once the file is uploaded, and through the service before', async () => {
    const server = await startTestServer({ listen: true, workers: 0, env: { ...s3.env(), R2_PUBLIC_URL: 'https://media.example.com/', STORAGE_RETRY_MAX_S: '1' } });
    try {
      const status = await json(`${server.url}/api/v1/uploads/status`, { headers: server.auth() });
      expect(status.body).toMatchObject({ provider: 's3', publicUrl: 'https://media.example.com' });
      const vocal = await upload(server, audio.vocalWav);
      // Until its upload is done, the file is only here: the service links to itself.
      if (vocal.url !== `https://media.example.com/${vocal.key}`) expect(vocal.url).toMatch(new RegExp(`^${server.url}/files/`));
      await (server.app.services.storage as BucketStorage).drained();
      const read = await json(`${server.url}/api/v1/uploads/${vocal.id}`, { headers: server.auth() });
      expect(read.body.url).toBe(`https://media.example.com/${vocal.key}`);
    } finally {
      await server.close();
    }
  });
});

describe('a bucket outage across a kill -9 and a restart', () => {
  it('loses nothing: jobs complete from the cache, uploads wait durably (never evicted), then all arrive byte-identical', async () => {
    const dir = join(scratch, 'outage');
    // A cache of about 1 MB: smaller than what the jobs make, so cleaning it at the restart must
    // choose, and may drop only files already in the bucket.
    const env = { ...s3.env(), STORAGE_RETRY_MAX_S: '1', CACHE_MAX_GB: '0.001' };
    let server: ServeProcess = await startServe(dir, { workers: 1, env });
    const key = server.firstKey!;
    const auth = { authorization: `Bearer ${key}` };
    const send = async (path: string) => {
      const form = new FormData();
      form.append('file', new Blob([readFileSync(path)]), basename(path));
      return (await json(`${server.url}/api/v1/uploads/media`, { method: 'POST', headers: auth, body: form })).body;
    };
    const [vocal, beat] = [await send(audio.vocalWav), await send(audio.beatWav)];
    await until('the uploads to reach the bucket', async () => (await json(`${server.url}/api/v1/uploads/status`, { headers: auth })).body.pendingUploads === 0);

    await s3.stop();
    const ids: string[] = [];
    for (const format of ['wav', 'flac', 'mp3']) {
      const submitted = await json(`${server.url}/api/v1/jobs`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ vocal: vocal.id, beat: beat.id, format }) });
      expect(submitted.status).toBe(202);
      ids.push(submitted.body.id);
    }
    const results = new Map<string, Buffer>();
    for (const id of ids) {
      const job = await until(`job ${id} to complete`, async () => {
        const read = await json(`${server.url}/api/v1/jobs/${id}`, { headers: auth });
        return read.body.status === 'completed' ? read.body : undefined;
      });
      // Served by the service itself from its cache while the bucket is away.
      const response = await fetch(`${server.url}/api/v1/jobs/${id}/result`, { headers: auth, redirect: 'manual' });
      expect(response.status).toBe(200);
      results.set(`mixes/${id}.${job.result.format}`, Buffer.from(await response.arrayBuffer()));
    }
    const waiting = await until('the failed upload attempts to show', async () => {
      const status = (await json(`${server.url}/api/v1/uploads/status`, { headers: auth })).body;
      return status.bucketReachable === false ? status : undefined;
    });
    expect(waiting.pendingUploads).toBe(3);
    expect(waiting.warning).toMatch(/not reachable/);

    server.signal('SIGKILL');
    await server.exited;
    server = await startServe(dir, { workers: 1, env });
    // The restart cleaned the over-full cache: the waiting results are still served from it.
    for (const [storageKey, bytes] of results) {
      const id = storageKey.slice('mixes/'.length).split('.')[0]!;
      const response = await fetch(`${server.url}/api/v1/jobs/${id}/result`, { headers: auth, redirect: 'manual' });
      expect(response.status, storageKey).toBe(200);
      expect(Buffer.from(await response.arrayBuffer()).equals(bytes), storageKey).toBe(true);
    }
    expect((await json(`${server.url}/stats`)).body.storage.pendingUploads).toBe(3);

    await s3.restart();
    await until('the upload queue to drain', async () => (await json(`${server.url}/api/v1/uploads/status`, { headers: auth })).body.pendingUploads === 0, 60_000);
    for (const [storageKey, bytes] of results) expect((await s3.read(storageKey))?.equals(bytes), storageKey).toBe(true);
    expect((await s3.read(vocal.key))!.equals(readFileSync(audio.vocalWav))).toBe(true);
    // Now in the bucket, the results are downloaded from there.
    const redirected = await fetch(`${server.url}/api/v1/jobs/${ids[0]}/result`, { headers: auth, redirect: 'manual' });
    expect(redirected.status).toBe(302);
  });
});
