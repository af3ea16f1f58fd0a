// Storage benchmark (the second half of npm run bench:server): user files on a bucket (s3rver on
// loopback) against local disk, measured side by side in one run.
//
// 1. A synchronous mix kept as a job (Accept: application/json: the result is stored) on an app
//    with the bucket configured vs an app on local disk, interleaved, sequential, warm default
//    recipe, 5 s take (goal: p50 within 10 ms of local: the upload is off the request path).
// 2. Background upload throughput: files put into the bucket storage, from the first put until
//    its queue is drained, vs raw PutObject calls streaming the same files with the same
//    parallelism (2 at a time), interleaved rounds (goal: >= 0.8×).
//
//   node test/bench/server-storage.mjs    BENCH_QUICK=1: small N (well under a minute)
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import S3rver from 's3rver';
import { buildApp } from '../../dist/server/app.js';
import { BucketStorage } from '../../dist/storage/bucket-storage.js';
import { openDatabase } from '../../dist/storage/database.js';
import { mixMaterial } from './material.mjs';
import { Results } from './results.mjs';

const QUICK = process.env.BENCH_QUICK === '1';
const N = QUICK ? { mixes: 8, files: 8, fileMb: 8, rounds: 2 } : { mixes: 30, files: 16, fileMb: 16, rounds: 3 };
const PARALLEL = 2;
const BUCKET = 'media';
const CREDENTIAL = 'S3RVER';
const scratch = mkdtempSync(join(tmpdir(), 'mixchain-bench-storage-'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const results = new Results();
const result = (...row) => results.add(...row);

const closers = [];
async function cleanup() {
  for (const close of closers.reverse()) await close().catch(() => {});
  rmSync(scratch, { recursive: true, force: true });
}
process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));

try {
  const loadAtStart = load();
  const s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: join(scratch, 's3'), configureBuckets: [{ name: BUCKET, configs: [] }] });
  const { port } = await s3.run();
  closers.push(() => s3.close());
  const endpoint = `http://127.0.0.1:${port}`;
  const bucketEnv = { R2_ENDPOINT: endpoint, R2_ACCESS_KEY_ID: CREDENTIAL, R2_SECRET_ACCESS_KEY: CREDENTIAL, R2_MEDIA_BUCKET: BUCKET };
  console.log(`storage benchmark, s3rver on loopback. machine: ${cpus().length} × ${cpus()[0]?.model}, node ${process.version}, ${new Date().toISOString()}, load ${loadAtStart}${QUICK ? ' (BENCH_QUICK: small N, not a measurement to record)' : ''}`);

  // --- 1. A kept synchronous mix, bucket vs local ------------------------------------------------
  const take = await mixMaterial(scratch, 5);
  const serve = async (name, env) => {
    const app = await buildApp({ dataDir: join(scratch, name), workers: 1, warm: ['default'], rateLimit: 0, logger: false, env });
    closers.push(() => app.close());
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const auth = { authorization: `Bearer ${(await app.services.keys.create('bench')).key}` };
    const deadline = performance.now() + 60_000;
    while (!(await fetch(`${url}/readyz`)).ok) {
      if (performance.now() > deadline) throw new Error(`${name}: not ready after 60 s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return { name, app, url, auth };
  };
  const local = await serve('local', {});
  const bucket = await serve('bucket', bucketEnv);
  const mixOnce = async (server) => {
    const body = new FormData();
    for (const [field, path] of [['vocal', take.vocal], ['beat', take.beat]]) body.append(field, new Blob([readFileSync(path)]), basename(path));
    const start = performance.now();
    const response = await fetch(`${server.url}/api/v1/mix`, { method: 'POST', headers: { ...server.auth, accept: 'application/json' }, body });
    const answer = await response.json();
    const elapsed = performance.now() - start;
    if (response.status !== 200) throw new Error(`${server.name}: expected 200 from POST /mix but got ${response.status}: ${answer.detail}`);
    return elapsed;
  };
  for (const server of [local, bucket]) await mixOnce(server); // warm-up
  const times = { local: [], bucket: [] };
  for (let i = 0; i < N.mixes; i++) {
    for (const server of i % 2 ? [bucket, local] : [local, bucket]) times[server.name].push(await mixOnce(server));
  }
  await bucket.app.services.storage.drained();
  const difference = median(times.bucket) - median(times.local);
  console.log(`1. ${N.mixes} kept synchronous mixes each (5 s take, Accept: application/json), interleaved: local p50 ${median(times.local).toFixed(1)} ms, bucket p50 ${median(times.bucket).toFixed(1)} ms`);
  result('1. kept sync mix p50, bucket - local', `${difference >= 0 ? '+' : ''}${difference.toFixed(1)} ms`, '<= 10 ms', difference <= 10);

  // --- 2. Background upload throughput vs raw PUTs --------------------------------------------
  const files = Array.from({ length: N.files }, (_, i) => {
    const path = join(scratch, `blob-${i}.bin`);
    writeFileSync(path, randomBytes(N.fileMb * 2 ** 20));
    return path;
  });
  const totalMb = (N.files * N.fileMb * 2 ** 20) / 1e6;
  const raw = new S3Client({ endpoint, region: 'auto', forcePathStyle: true, credentials: { accessKeyId: CREDENTIAL, secretAccessKey: CREDENTIAL }, requestChecksumCalculation: 'WHEN_REQUIRED' });
  closers.push(async () => raw.destroy());
  const db = openDatabase(join(scratch, 'storage-db'));
  closers.push(async () => db.close());
  const storage = new BucketStorage({ endpoint, accessKeyId: CREDENTIAL, secretAccessKey: CREDENTIAL, bucket: BUCKET, provider: 's3', publicUrl: null, cacheDir: join(scratch, 'cache'), cacheTtlHours: 24, cacheMaxBytes: 100 * 2 ** 30, retryMaxSeconds: 1 }, db);
  await storage.start();
  closers.push(() => storage.close());

  const rawRound = async (round) => {
    const start = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: PARALLEL }, async () => {
      while (next < files.length) {
        const i = next++;
        await raw.send(new PutObjectCommand({ Bucket: BUCKET, Key: `raw/${round}-${i}.bin`, Body: createReadStream(files[i]), ContentLength: statSync(files[i]).size, ContentType: 'application/octet-stream' }));
      }
    }));
    return performance.now() - start;
  };
  // put() moves a file into the cache: each round puts copies, made before any timing and
  // flushed to disk, so neither side pays for the other's writeback.
  const copies = Array.from({ length: N.rounds }, (_, round) =>
    files.map((file, i) => {
      const copy = join(storage.scratchDir, `bench-${round}-${i}`);
      writeFileSync(copy, readFileSync(file));
      return copy;
    }),
  );
  execFileSync('sync');
  const storageRound = async (round) => {
    const start = performance.now();
    for (const [i, copy] of copies[round].entries()) await storage.put(`mixes/bench-${round}-${i}.wav`, copy);
    await storage.drained();
    return performance.now() - start;
  };
  const ratios = [];
  for (let round = 0; round < N.rounds; round++) {
    // Alternating which goes first; the bucket's own writes are flushed before each.
    const timed = async (run) => {
      execFileSync('sync');
      return run(round);
    };
    let rawMs;
    let storedMs;
    if (round % 2) {
      rawMs = await timed(rawRound);
      storedMs = await timed(storageRound);
    } else {
      storedMs = await timed(storageRound);
      rawMs = await timed(rawRound);
    }
    ratios.push(rawMs / storedMs);
    console.log(`2. round ${round + 1}: ${N.files} × ${N.fileMb} MiB (${totalMb.toFixed(0)} MB): raw PUTs ${rawMs.toFixed(0)} ms (${(totalMb / (rawMs / 1000)).toFixed(0)} MB/s), background uploads ${storedMs.toFixed(0)} ms (${(totalMb / (storedMs / 1000)).toFixed(0)} MB/s): ${(rawMs / storedMs).toFixed(2)}×`);
  }
  result('2. background upload throughput / raw PUT', `${median(ratios).toFixed(2)}× (median of ${N.rounds})`, '>= 0.8×', median(ratios) >= 0.8);

  results.print(QUICK, loadAtStart, load());
} finally {
  await cleanup();
}
