// HTTP service benchmark (npm run bench:server): the service against the render pool alone, side
// by side in one run, warm default recipe, 10 s vocal + beat, 2 workers:
//
// 1. overhead: a synchronous mix over loopback (multipart upload in, audio out, body read) vs the
//    same mix through the pool directly (files in, file out), sequential, interleaved (goal:
//    p50 overhead <= 30 ms);
// 2. throughput: 2 concurrent clients (the pool's capacity), service vs pool alone (goal >= 0.95×);
// 3. overload: open-loop arrivals at 3× the service's measured throughput against the default
//    sync queue: refusals' p99 (goal <= 50 ms), accepted mixes' p99 vs the unloaded p99 of (1)
//    (goal within 2×), errors other than 503 (goal 0);
// 4. jobs, on an app built in this process: submit → processing start on an idle pool (goal
//    p50 <= 20 ms), and the delay from the queue recording an event to the SSE client (in this
//    process, over loopback) reading it (goal <= 100 ms);
// 5. memory of a spawned `mixchain serve` (render workers are other processes, not counted):
//    RSS over many synchronous mixes of a 2 s take (goal: max/min within 10 % after a warm-up),
//    and its peak rise during concurrent 100 MB uploads (goal < 50 MB).
//
// Servers run with MIXCHAIN_RATE_LIMIT=0 (the benchmark sends far more than 120 requests a minute).
//
//   node test/bench/server.mjs          BENCH_QUICK=1: small N everywhere (about a minute on a quiet machine)
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openAsBlob, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPool } from '../../dist/index.js';
import { synthesizeBeat } from '../../dist/demo/material.js';
import { buildApp } from '../../dist/server/app.js';
import { mixMaterial } from './material.mjs';
import { Results } from './results.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const cli = join(here, '..', '..', 'dist', 'cli', 'main.js');
const QUICK = process.env.BENCH_QUICK === '1';
const N = QUICK
  ? { latency: 5, throughput: 6, rounds: 1, overload: 15, jobs: 5, memoryMixes: 50, uploads: 3, uploadMb: 10 }
  : { latency: 30, throughput: 40, rounds: 2, overload: 90, jobs: 20, memoryMixes: 1000, uploads: 20, uploadMb: 100 };
const WORKERS = 2;
const scratch = mkdtempSync(join(tmpdir(), 'mixchain-bench-server-'));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const percentile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const ms = (x) => (x === undefined ? 'n/a' : `${x.toFixed(1)} ms`);
const rssMb = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

async function timed(work) {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

// --- Cleanup: every process, pool, app and folder this run made, also when it fails or is interrupted.
const children = new Set();
const closers = new Set();
/** Registers `close` for the cleanup; the returned function closes now, once. */
function closing(close) {
  const once = () => {
    closers.delete(once);
    return close();
  };
  closers.add(once);
  return once;
}
async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}
let cleaning = null;
function cleanup() {
  cleaning ??= (async () => {
    await Promise.allSettled([...children].map(stopChild));
    await Promise.allSettled([...closers].map((close) => close()));
    rmSync(scratch, { recursive: true, force: true });
  })();
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => void cleanup().finally(() => process.exit(130)));

/** A `mixchain serve` of its own: its URL and first key from stderr, once every worker is warm. */
async function spawnServer(dataDir, env = {}) {
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--workers', String(WORKERS), '--data-dir', dataDir], {
    env: { ...process.env, MIXCHAIN_RATE_LIMIT: '0', MIXCHAIN_SHUTDOWN_GRACE_S: '5', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let stderr = '';
  const url = await new Promise((resolve, reject) => {
    child.stderr.on('data', (chunk) => {
      stderr = (stderr + chunk).slice(-16_384);
      // The whole line: a chunk may end inside the port number.
      const served = /serving on (http:\/\/\S+) .*\n/.exec(stderr);
      if (served) resolve(served[1]);
    });
    child.once('exit', (code) => reject(new Error(`mixchain serve exited with ${code}: ${stderr}`)));
  });
  const key = /\b(mck_[\w-]+)/.exec(stderr)?.[1];
  if (!key) throw new Error(`expected the first key on stderr of mixchain serve: ${stderr}`);
  const server = { pid: child.pid, url, auth: { authorization: `Bearer ${key}` }, stop: () => stopChild(child) };
  // /stats answers 503 while the server is still under pressure from starting: not ready yet.
  await warm(async () => {
    const response = await fetch(`${url}/stats`);
    return response.ok ? (await response.json()).pool : { workers: [] };
  });
  return server;
}

/** Waits until every worker of a pool (read by `stats`) has started and warmed its recipe. */
async function warm(stats) {
  for (;;) {
    const { workers } = await stats();
    if (workers.length === WORKERS && workers.every((w) => w.ready)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A synchronous mix over HTTP, files streamed from disk, the answer read to the end. */
async function httpMix(server, files) {
  const start = performance.now();
  const body = new FormData();
  for (const [field, path] of Object.entries(files)) body.append(field, await openAsBlob(path), basename(path));
  try {
    const response = await fetch(`${server.url}/api/v1/mix`, { method: 'POST', headers: server.auth, body });
    const bytes = (await response.arrayBuffer()).byteLength;
    const renderMs = Number(response.headers.get('mixchain-render-ms'));
    return { status: response.status, ms: performance.now() - start, bytes, renderMs, retryAfter: response.headers.get('retry-after') };
  } catch (error) {
    return { status: 'network', ms: performance.now() - start, error };
  }
}

async function okMix(server, files) {
  const result = await httpMix(server, files);
  if (result.status !== 200) throw new Error(`expected 200 from POST /mix but got ${result.status} ${result.error ?? ''}`);
  return result;
}

/** `count` mixes by `clients` clients, each sending its next as soon as its last is answered. */
async function batch(count, clients, mix) {
  let next = 0;
  const client = async () => {
    while (next < count) await mix(next++);
  };
  return timed(() => Promise.all(Array.from({ length: clients }, client)));
}

/** The upload's JSON, or the status it failed with. */
async function uploadFile(server, path) {
  const body = new FormData();
  body.append('file', await openAsBlob(path), basename(path));
  try {
    const response = await fetch(`${server.url}/api/v1/uploads/media`, { method: 'POST', headers: server.auth, body });
    return { status: response.status, body: await response.json() };
  } catch (error) {
    return { status: 'network', error };
  }
}

/** A 16-bit stereo 44.1 kHz WAV of about `megabytes` MB: a 10 s synthesised beat, looped. */
function bigWav(path, megabytes) {
  const rate = 44100;
  const [left, right] = synthesizeBeat(10, rate);
  const loop = Buffer.alloc(left.length * 4);
  for (let i = 0; i < left.length; i++) {
    loop.writeInt16LE(Math.round(left[i] * 32767), i * 4);
    loop.writeInt16LE(Math.round(right[i] * 32767), i * 4 + 2);
  }
  const dataBytes = Math.floor((megabytes * 1e6) / 4) * 4;
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(2, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 4, 28);
  header.writeUInt16LE(4, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(dataBytes, 40);
  const fd = openSync(path, 'w');
  writeSync(fd, header);
  for (let written = 0; written < dataBytes; written += loop.length) writeSync(fd, loop, 0, Math.min(loop.length, dataBytes - written));
  closeSync(fd);
  return dataBytes / (rate * 4);
}

/** Server-Sent Events of a response, each with the moment it was read. */
async function* sseEvents(response) {
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of response.body) {
    buffered += decoder.decode(chunk, { stream: true });
    let end;
    while ((end = buffered.indexOf('\n\n')) >= 0) {
      const block = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      const event = { at: performance.now() };
      for (const line of block.split('\n')) {
        const colon = line.indexOf(':');
        if (colon > 0) event[line.slice(0, colon)] = line.slice(colon + 1).trimStart();
      }
      if (event.event) yield event;
    }
  }
}

const results = new Results();
const result = (...row) => results.add(...row);

const loadAtStart = load();
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model}, node ${process.version}, ${new Date().toISOString()}, load ${loadAtStart}${QUICK ? ' (BENCH_QUICK: small N, not a measurement to record)' : ''}`);

try {
  const mix = await mixMaterial(scratch, 10);

  // --- 1–3: a spawned service and a pool alone, both 2 workers, warm default recipe -------------
  const server = await spawnServer(join(scratch, 'service'));
  // Plugin output (ZamVerb's sample-rate note on every render) is dropped, as the server logs it.
  const pool = createPool({ workers: WORKERS, warm: ['default'], onPluginOutput: () => {} });
  const closePool = closing(() => pool.close());
  await warm(async () => pool.stats());
  const poolMix = (i) => pool.renderMix('default', mix, { outputPath: join(scratch, `pool-${i % WORKERS}.wav`), output: { format: 'wav' } });
  // Both workers of each have rendered once before anything is timed.
  await Promise.all([0, 1].map(() => okMix(server, mix)));
  await Promise.all([0, 1].map(poolMix));

  // 1. Overhead, sequential, the order alternating so that neither always runs second.
  const viaHttp = [];
  const viaPool = [];
  // The same times without the render itself (as the worker timed it): the overhead with less noise.
  const outsideHttp = [];
  const outsidePool = [];
  let answered = 0;
  for (let i = 0; i < N.latency; i++) {
    const http = async () => {
      const answer = await okMix(server, mix);
      answered = answer.bytes;
      viaHttp.push(answer.ms);
      outsideHttp.push(answer.ms - answer.renderMs);
    };
    const direct = async () => {
      const start = performance.now();
      const { report } = await poolMix(0);
      viaPool.push(performance.now() - start);
      outsidePool.push(performance.now() - start - report.renderSeconds * 1000);
    };
    for (const run of i % 2 ? [direct, http] : [http, direct]) await run();
  }
  const written = statSync(join(scratch, 'pool-0.wav')).size;
  const overhead = median(viaHttp) - median(viaPool);
  console.log(`1. overhead, 10 s vocal + beat, default recipe, ${N.latency} runs each, sequential, interleaved:`);
  console.log(`   service (multipart in, ${answered} bytes of WAV out): p50 ${ms(median(viaHttp))}, p99 ${ms(percentile(viaHttp, 0.99))}`);
  console.log(`   pool alone (files in, ${written} bytes written): p50 ${ms(median(viaPool))}, p99 ${ms(percentile(viaPool, 0.99))}`);
  console.log(`   p50 overhead ${ms(overhead)}${answered === written ? '' : ' (WARNING: the two outputs differ in size)'}`);
  console.log(`   outside the render (total - the worker's render time, p50): service ${ms(median(outsideHttp))}, pool alone ${ms(median(outsidePool))}: difference ${ms(median(outsideHttp) - median(outsidePool))}`);
  result('1. HTTP overhead, p50 service - p50 pool', ms(overhead), '<= 30 ms', overhead <= 30);

  // 2. Throughput: 2 clients, the same number of mixes on each side, in alternating rounds.
  const seconds = { service: 0, pool: 0 };
  const perRound = Math.ceil(N.throughput / N.rounds);
  for (let round = 0; round < N.rounds; round++) {
    seconds.service += (await batch(perRound, WORKERS, () => okMix(server, mix))) / 1000;
    seconds.pool += (await batch(perRound, WORKERS, poolMix)) / 1000;
  }
  const total = perRound * N.rounds;
  const rate = { service: total / seconds.service, pool: total / seconds.pool };
  console.log(`2. throughput, ${total} mixes each side, ${WORKERS} concurrent clients: service ${rate.service.toFixed(2)} mixes/s, pool alone ${rate.pool.toFixed(2)} mixes/s: ${(rate.service / rate.pool).toFixed(3)}×`);
  result('2. throughput, service / pool alone', `${(rate.service / rate.pool).toFixed(3)}×`, '>= 0.95×', rate.service / rate.pool >= 0.95);
  await closePool();

  // 3. Overload: requests arrive on a fixed schedule at 3× what the service just sustained,
  // whatever happens to the earlier ones (an open loop), so the sync queue fills and stays full.
  const interval = 1000 / (3 * rate.service);
  const syncQueue = 2 * WORKERS; // the default MIXCHAIN_SYNC_QUEUE
  const arrivals = await Promise.all(
    Array.from({ length: N.overload }, (_, i) => new Promise((resolve) => setTimeout(resolve, i * interval)).then(() => httpMix(server, mix))),
  );
  const refused = arrivals.filter((a) => a.status === 503);
  const accepted = arrivals.filter((a) => a.status === 200);
  const errors = arrivals.filter((a) => a.status !== 200 && a.status !== 503);
  const unloadedP99 = percentile(viaHttp, 0.99);
  const acceptedRatio = accepted.length ? percentile(accepted.map((a) => a.ms), 0.99) / unloadedP99 : undefined;
  const refusedP99 = refused.length ? percentile(refused.map((a) => a.ms), 0.99) : undefined;
  console.log(`3. overload, ${N.overload} mixes arriving every ${interval.toFixed(0)} ms (3× ${rate.service.toFixed(2)} mixes/s), ${WORKERS} workers + default sync queue (${syncQueue}):`);
  console.log(`   accepted ${accepted.length}: p50 ${ms(median(accepted.map((a) => a.ms)))}, p99 ${ms(percentile(accepted.map((a) => a.ms), 0.99))} (${acceptedRatio?.toFixed(2)}× the unloaded p99 ${ms(unloadedP99)})`);
  console.log(`   refused (503) ${refused.length}: p50 ${ms(median(refused.map((a) => a.ms)))}, p99 ${ms(refusedP99)}, ${refused.filter((a) => !a.retryAfter).length} without Retry-After`);
  console.log(`   (a mix admitted behind a full sync queue waits for ${syncQueue} renders on ${WORKERS} workers before its own: about ${(WORKERS + syncQueue) / WORKERS}× the unloaded time by construction)`);
  console.log(`   other answers ${errors.length}${errors.length ? `: ${errors.map((a) => a.status === 'network' ? `network (${a.error.cause?.code ?? a.error.message})` : a.status).join(', ')}` : ''}`);
  result('3. overload: refusals p99', ms(refusedP99), '<= 50 ms', refusedP99 !== undefined && refusedP99 <= 50);
  result('3. overload: accepted p99 / unloaded p99', acceptedRatio === undefined ? 'n/a' : `${acceptedRatio.toFixed(2)}×`, '<= 2×', acceptedRatio !== undefined && acceptedRatio <= 2);
  result('3. overload: answers other than 200 and 503', String(errors.length), '0', errors.length === 0);
  await server.stop();

  // --- 4. Jobs and their events, on an app in this process ---------------------------------------
  const app = await buildApp({ dataDir: join(scratch, 'jobs'), workers: WORKERS, warm: ['default'], rateLimit: 0, logger: false, env: {} });
  const closeApp = closing(() => app.close());
  const local = { url: await app.listen({ port: 0, host: '127.0.0.1' }), auth: { authorization: `Bearer ${(await app.services.keys.create('bench')).key}` } };
  await warm(async () => app.services.pool.stats());
  const [vocal, beat] = await Promise.all([uploadFile(local, mix.vocal), uploadFile(local, mix.beat)]);
  for (const answer of [vocal, beat]) if (answer.status !== 201) throw new Error(`expected 201 from POST /uploads/media but got ${answer.status}: ${answer.body?.detail ?? answer.error}`);
  const recordedAt = new Map();
  const unsubscribe = app.services.queue.subscribe((event) => recordedAt.set(event.id, performance.now()));
  const toStart = [];
  const toFirstProgress = [];
  const delivery = [];
  for (let i = 0; i < N.jobs; i++) {
    const submitted = performance.now();
    const response = await fetch(`${local.url}/api/v1/jobs`, { method: 'POST', headers: { ...local.auth, 'content-type': 'application/json' }, body: JSON.stringify({ vocal: vocal.body.id, beat: beat.body.id }) });
    const job = await response.json();
    if (response.status !== 202) throw new Error(`expected 202 from POST /jobs but got ${response.status}: ${job.detail}`);
    const stream = await fetch(`${local.url}/api/v1/jobs/${job.id}/events`, { headers: local.auth });
    if (stream.status !== 200) throw new Error(`expected 200 from GET /jobs/${job.id}/events but got ${stream.status}: ${await stream.text()}`);
    const opened = performance.now();
    let final = null;
    for await (const event of sseEvents(stream)) {
      if (event.event === 'progress' && toFirstProgress.length === i) toFirstProgress.push(event.at - submitted);
      // Only events recorded while the stream was open measure delivery (the rest are backlog).
      const recorded = recordedAt.get(Number(event.id));
      if (recorded !== undefined && recorded >= opened) delivery.push(event.at - recorded);
      if (event.event !== 'progress') final = JSON.parse(event.data);
    }
    if (final?.status !== 'completed') throw new Error(`expected job ${job.id} to complete but it ended ${final?.status}: ${JSON.stringify(final?.error)}`);
    toStart.push(Date.parse(final.startedAt) - Date.parse(final.createdAt));
  }
  unsubscribe();
  console.log(`4. jobs, ${N.jobs} in turn on an idle pool (app in this process, SSE client in this process over loopback):`);
  console.log(`   submit → processing start (startedAt - createdAt, ms resolution): p50 ${ms(median(toStart))}, max ${ms(Math.max(...toStart))}`);
  console.log(`   client: submit → first SSE progress event: p50 ${ms(median(toFirstProgress))}, max ${ms(Math.max(...toFirstProgress))}`);
  console.log(`   queue records an event → SSE client reads it (${delivery.length} live events): p50 ${ms(median(delivery))}, p99 ${ms(percentile(delivery, 0.99))}, max ${ms(Math.max(...delivery))}`);
  result('4. submit → processing start p50', ms(median(toStart)), '<= 20 ms', median(toStart) <= 20);
  result('4. submit → first SSE progress p50 (client)', ms(median(toFirstProgress)), '<= 20 ms', median(toFirstProgress) <= 20);
  const deliveryMax = Math.max(...delivery);
  result('4. SSE delivery p50 / p99 / max', `${median(delivery).toFixed(1)} / ${percentile(delivery, 0.99).toFixed(1)} / ${deliveryMax.toFixed(1)} ms`, '<= 100 ms', delivery.length > 0 && deliveryMax <= 100);
  await closeApp();

  // --- 5. Memory of a spawned server ------------------------------------------------------------
  const short = await mixMaterial(scratch, 2);
  const bigFile = join(scratch, 'upload.wav');
  const bigSeconds = bigWav(bigFile, N.uploadMb);
  const lean = await spawnServer(join(scratch, 'memory'), { MIXCHAIN_MAX_UPLOAD_MB: String(4 * N.uploadMb) });
  const every = N.memoryMixes / 10;
  const samples = [];
  let done = 0;
  await batch(N.memoryMixes, WORKERS, async () => {
    await okMix(lean, short);
    if (++done % every === 0) samples.push(rssMb(lean.pid));
  });
  const ratio = Math.max(...samples) / Math.min(...samples);
  console.log(`5. memory of mixchain serve (RSS of the server process; render workers not counted):`);
  console.log(`   ${N.memoryMixes} synchronous mixes of a 2 s vocal + beat (short to keep the run sane), ${WORKERS} clients, RSS after each ${every} (the first ${every} a warm-up): ${samples.map((s) => s.toFixed(0)).join(', ')} MiB: max/min ${ratio.toFixed(3)}`);
  result(`5. RSS max/min over ${N.memoryMixes} mixes`, ratio.toFixed(3), '<= 1.10', ratio <= 1.1);

  const before = rssMb(lean.pid);
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(lean.pid))), 50);
  const uploadStart = performance.now();
  const uploads = await Promise.all(Array.from({ length: N.uploads }, () => uploadFile(lean, bigFile)));
  const uploadSeconds = (performance.now() - uploadStart) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, rssMb(lean.pid));
  const failed = uploads.filter((u) => u.status !== 201);
  const rise = peak - before;
  const limitMib = 50e6 / 2 ** 20; // 50 MB
  console.log(`   ${N.uploads} concurrent uploads of a ${(statSync(bigFile).size / 1e6).toFixed(0)} MB WAV (${(bigSeconds / 60).toFixed(1)} min) in ${uploadSeconds.toFixed(1)} s, ${failed.length} failed${failed.length ? ` (${failed.map((u) => u.status).join(', ')})` : ''}: RSS ${before.toFixed(0)} → peak ${peak.toFixed(0)} MiB, rise ${rise.toFixed(1)} MiB`);
  result(`5. RSS peak rise, ${N.uploads} × ${N.uploadMb} MB uploads`, `${rise.toFixed(1)} MiB${failed.length ? `, ${failed.length} failed` : ''}`, `< 50 MB (${limitMib.toFixed(1)} MiB), none failed`, rise < limitMib && failed.length === 0);
  await lean.stop();

  results.print(QUICK, loadAtStart, load());
} finally {
  await cleanup();
}
