// Distributed-mode benchmark (npm run bench:cluster): Redis, s3rver, two API nodes
// (`serve --workers 0`) and render nodes (`worker --workers 1`) as separate processes on this
// machine, over loopback.
//
// 1. Queue overhead on an idle cluster, one render node: job submitted on API node A, its start
//    (startedAt - createdAt, both stamped by Redis scripts on this machine's clock), p50
//    (goal <= 50 ms); and SSE latency across nodes: each event as an SSE client of API node B
//    receives it, against the moment Redis published it (a subscriber in this process), p50
//    (goal <= 150 ms).
// 2. Throughput: N jobs of S seconds (default 20 × 30 s) on one render node, then on two
//    (goal: two >= 1.7× one, on a 2-core machine where the API nodes, Redis and s3rver share the
//    cores with the renders).
// 3. Recovery: both render nodes busy, one SIGKILLed; time until its job starts again on the
//    other (goal <= 35 s; bounded by the lock (20 s) plus two stalled checks (5 s each)).
// 4. Reference for 2: the same batch on one render node of two workers (its pool's scaling on
//    this machine), to tell the cost of distribution from the machine's limit.
//
//   node test/bench/cluster.mjs    BENCH_QUICK=1: small N (a few minutes), not a measurement to record
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Redis } from 'ioredis';
import S3rver from 's3rver';
import { mixMaterial } from './material.mjs';
import { Results } from './results.mjs';

const QUICK = process.env.BENCH_QUICK === '1';
const N = QUICK ? { latency: 6, jobs: 6, seconds: 10, kills: 1 } : { latency: 20, jobs: 20, seconds: 30, kills: 3 };
const cli = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');
const scratch = mkdtempSync(join(tmpdir(), 'mixchain-bench-cluster-'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const results = new Results();
const result = (...row) => results.add(...row);
const children = new Set();
const closers = [];

async function cleanup() {
  for (const child of children) child.kill('SIGKILL');
  for (const close of closers.reverse()) await close().catch(() => {});
  rmSync(scratch, { recursive: true, force: true });
}
process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));

async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function until(what, probe, timeoutMs = 120_000, everyMs = 20) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** A mixchain process (serve or worker), resolved once /readyz answers 200. */
async function startNode(command, name, env, workers) {
  const child = spawn(process.execPath, [cli, command, '--port', '0', '--data-dir', join(scratch, name), '--workers', String(workers)], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(child);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text) => (stderr += text));
  const url = await until(`${name} to listen`, () => /(?:serving|workers?) on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1], 60_000);
  await until(`${name} to be ready`, async () => (await fetch(`${url}/readyz`)).ok, 60_000, 100);
  return { url, stderr: () => stderr, kill: async () => (child.kill('SIGKILL'), await exited, children.delete(child)) };
}

try {
  const loadAtStart = load();
  console.log(`cluster benchmark: 2 API nodes, render nodes of 1 worker, Redis and s3rver on loopback. machine: ${cpus().length} × ${cpus()[0]?.model}, node ${process.version}, ${new Date().toISOString()}, load ${loadAtStart}${QUICK ? ' (BENCH_QUICK: small N, not a measurement to record)' : ''}`);
  const redisPort = await freePort();
  const redisChild = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--dir', scratch, '--save', '', '--appendonly', 'yes', '--maxmemory-policy', 'noeviction', '--logfile', ''], { stdio: 'ignore' });
  children.add(redisChild);
  const redisUrl = `redis://127.0.0.1:${redisPort}`;
  await until('redis', async () => {
    const probe = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {});
    const ok = await probe.connect().then(() => probe.ping(), () => null);
    probe.disconnect();
    return ok === 'PONG';
  });
  const s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: join(scratch, 's3'), configureBuckets: [{ name: 'media', configs: [] }] });
  const { port: s3Port } = await s3.run();
  closers.push(() => s3.close());
  const env = { REDIS_URL: redisUrl, R2_ENDPOINT: `http://127.0.0.1:${s3Port}`, R2_ACCESS_KEY_ID: 'S3RVER', R2_SECRET_ACCESS_KEY: 'S3RVER', R2_MEDIA_BUCKET: 'media', MIXCHAIN_RATE_LIMIT: '0', MIXCHAIN_WARM: 'default', LOG_LEVEL: 'warn' };

  const a = await startNode('serve', 'api-a', env, 0);
  const b = await startNode('serve', 'api-b', env, 0);
  const key = /^\s*(mck_\S+)$/m.exec(a.stderr())[1];
  const headers = { authorization: `Bearer ${key}` };
  const api = async (node, path, init = {}) => {
    const response = await fetch(`${node.url}/api/v1${path}`, { ...init, headers: { ...headers, ...(init.body ? { 'content-type': 'application/json' } : {}) } });
    return response.json();
  };
  const uploadTo = async (node, path) => {
    const form = new FormData();
    form.append('file', new Blob([readFileSync(path)]), basename(path));
    return (await (await fetch(`${node.url}/api/v1/uploads/media`, { method: 'POST', headers, body: form })).json()).id;
  };
  const submit = async (node, vocal, beat) => (await api(node, '/jobs', { method: 'POST', body: JSON.stringify({ vocal, beat }) })).id;
  // One list request every 250 ms: polling each job often would take CPU from the renders.
  const finished = (ids) =>
    until(`${ids.length} jobs to complete`, async () => {
      const wanted = new Set(ids);
      const jobs = (await api(b, '/jobs?limit=100')).items.filter((job) => wanted.has(job.id));
      if (jobs.some((job) => job.status === 'failed' || job.status === 'cancelled')) throw new Error(`a job ended ${JSON.stringify(jobs.find((job) => job.status !== 'completed'))}`);
      return jobs.length === ids.length && jobs.every((job) => job.status === 'completed') ? jobs : null;
    }, 30 * 60_000, 250);

  const render = [await startNode('worker', 'render-1', env, 1)];
  const short = await mixMaterial(scratch, 10);
  const long = await mixMaterial(scratch, N.seconds);
  const [shortVocal, shortBeat, longVocal, longBeat] = [await uploadTo(a, short.vocal), await uploadTo(a, short.beat), await uploadTo(b, long.vocal), await uploadTo(b, long.beat)];

  // --- 1. Queue overhead and SSE latency across nodes ------------------------------------------
  const published = new Map();
  const subscriber = new Redis(redisUrl);
  closers.push(async () => subscriber.disconnect());
  await subscriber.subscribe('mixchain:jobs:mc:notify');
  subscriber.on('message', (_channel, text) => {
    const message = JSON.parse(text);
    if (message.k === 'event') published.set(message.e.id, performance.now());
  });
  const startDelays = [];
  const sseDelays = [];
  for (let n = 0; n < N.latency; n++) {
    const id = await submit(a, shortVocal, shortBeat);
    const connectedAt = performance.now();
    const response = await fetch(`${b.url}/api/v1/jobs/${id}/events`, { headers });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (let done = false; !done; ) {
      const chunk = await reader.read();
      if (chunk.done) break;
      const at = performance.now();
      buffer += chunk.value;
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const eventId = Number(/^id: (\d+)$/m.exec(block)?.[1]);
        const pub = published.get(eventId);
        // Only events published after the stream was open: earlier ones arrive as a replay.
        if (pub !== undefined && pub > connectedAt) sseDelays.push(at - pub);
        if (/^event: (completed|failed|cancelled)$/m.test(block)) done = true;
      }
    }
    await reader.cancel().catch(() => {});
    const job = await api(b, `/jobs/${id}`);
    startDelays.push(Date.parse(job.startedAt) - Date.parse(job.createdAt));
  }
  const startP50 = median(startDelays);
  const sseP50 = median(sseDelays);
  console.log(`submit -> start: p50 ${startP50} ms (n ${startDelays.length}, max ${Math.max(...startDelays)}); SSE on node B after Redis published: p50 ${sseP50.toFixed(1)} ms (n ${sseDelays.length}, max ${Math.max(...sseDelays).toFixed(1)})`);
  result('queue overhead: submit on A -> render start (idle, p50)', `${startP50} ms`, '<= 50 ms', startP50 <= 50);
  result('SSE latency across nodes (p50)', `${sseP50.toFixed(1)} ms`, '<= 150 ms', sseP50 <= 150);

  // --- 2. Throughput: one render node, then two -------------------------------------------------
  const batch = async (label) => {
    const started = performance.now();
    const ids = [];
    for (let n = 0; n < N.jobs; n++) ids.push(await submit(n % 2 ? b : a, longVocal, longBeat));
    const jobs = await finished(ids);
    const seconds = (performance.now() - started) / 1000;
    console.log(`${label}: ${N.jobs} × ${N.seconds} s jobs in ${seconds.toFixed(1)} s (max attempts ${Math.max(...jobs.map((job) => job.attempts))}), load ${load()}`);
    return seconds;
  };
  const one = await batch('one render node');
  render.push(await startNode('worker', 'render-2', env, 1));
  const two = await batch('two render nodes');
  result(`throughput, two render nodes vs one (${N.jobs} × ${N.seconds} s jobs)`, `${(one / two).toFixed(2)}× (${one.toFixed(0)} s vs ${two.toFixed(0)} s)`, '>= 1.7×', one / two >= 1.7);

  // --- 3. Recovery after a render node's SIGKILL ------------------------------------------------
  const recoveries = [];
  for (let k = 0; k < N.kills; k++) {
    const ids = [await submit(a, longVocal, longBeat), await submit(b, longVocal, longBeat)];
    await until('both jobs rendering', async () => (await Promise.all(ids.map((id) => api(a, `/jobs/${id}`)))).every((job) => job.status === 'processing' && job.progress > 0), 120_000, 50);
    const killedAt = Date.now();
    await render[0].kill();
    const again = await until('the job to start again', async () => (await Promise.all(ids.map((id) => api(a, `/jobs/${id}`)))).find((job) => job.attempts === 2 && job.status === 'processing'), 120_000, 50);
    recoveries.push((Date.parse(again.startedAt) - killedAt) / 1000);
    console.log(`kill ${k + 1}: job started again on the other node after ${recoveries.at(-1).toFixed(1)} s`);
    await finished(ids);
    render[0] = await startNode('worker', 'render-1', env, 1);
  }
  const worst = Math.max(...recoveries);
  result('recovery: SIGKILL of a render node -> its job restarts elsewhere', `median ${median(recoveries).toFixed(1)} s, max ${worst.toFixed(1)} s (n ${recoveries.length})`, '<= 35 s', worst <= 35);

  // --- 4. Reference: the same batch on one render node of two workers ---------------------------
  // What two cores give one process (its pool's own scaling) against two processes of one worker:
  // the cost of distribution itself, apart from what the machine allows.
  for (const node of render.splice(0)) await node.kill();
  render.push(await startNode('worker', 'render-3', env, 2));
  const pooled = await batch('one render node of two workers');
  result('reference: two render nodes of 1 worker vs one node of 2 workers', `${(pooled / two).toFixed(2)}× (${two.toFixed(0)} s vs ${pooled.toFixed(0)} s)`, '(report)', true);

  results.print(QUICK, loadAtStart, load());
} finally {
  await cleanup();
}
