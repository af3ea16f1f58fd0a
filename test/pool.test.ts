// The render pool: renders on warm workers equal renders in this process; crashes, hangs, NaN
// and overload are contained with their codes; aborts, closing and recycling lose nothing.
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { MixchainError, createPool, readAudio, renderMix, writeAudio, type RenderPool } from '../src/index.js';
import { audio, expectSame, gain, RATE, reference, rejection, rendersSucceed, until } from './fixtures/pool.js';
import { testBundle, testSignal, zamFolder } from './helpers.js';

const misbehave = (fault: string, after = 0.2) => [...gain, { plugin: testBundle, className: 'Mixchain Misbehave', parameters: { Fault: fault, After: after } }];
const reverb = [{ plugin: `${zamFolder}/ZamVerb.vst3` }];
// A full collection before each memory reading, so garbage not yet collected does not count.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const scratch = mkdtempSync(join(tmpdir(), 'mixchain-pool-test-'));
const hundredRenders = (pool: RenderPool, expected: Float32Array[], input: () => { sampleRate: number; channels: Float32Array[] }) => rendersSucceed(pool, 100, expected, input);

describe('render pool, process isolation', () => {
  let pool: RenderPool;
  const short = audio(0.1);
  let shortExpected: Float32Array[];

  beforeAll(async () => {
    pool = createPool({ workers: 2, isolation: 'process', renderTimeoutMs: 4000, maxQueue: 200 });
    shortExpected = await reference(gain, short.channels);
  });
  afterAll(() => pool.close());

  it('renders exactly what the chain renders in this process, cold and warm', async () => {
    const input = audio(2);
    const expected = await reference(gain, input.channels);
    const cold = await pool.render(gain, input);
    const warm = await pool.render(gain, input);
    expectSame(cold.channels, expected);
    expectSame(warm.channels, expected);
    expect(cold.report.blocks).toBeGreaterThan(0);
  });

  it('fails a render whose plugin segfaults with ERR_WORKER_CRASHED naming it; the render beside it and the next 100 complete', async () => {
    const beside = audio(4);
    const besideExpected = await reference(gain, beside.channels);
    const crashesBefore = pool.stats().crashes;
    const [crashed, survivor] = await Promise.allSettled([pool.render(misbehave('crash'), audio(1)), pool.render(gain, beside)]);
    expect(crashed.status).toBe('rejected');
    const error = (crashed as PromiseRejectedResult).reason as MixchainError;
    expect(error.code).toBe('ERR_WORKER_CRASHED');
    expect(error.message).toContain("'Mixchain Misbehave'");
    expect(error.message).toContain('SIGSEGV');
    expect(survivor.status).toBe('fulfilled');
    expectSame((survivor as PromiseFulfilledResult<{ channels?: Float32Array[] }>).value.channels, besideExpected);
    expect(pool.stats().crashes).toBe(crashesBefore + 1);
    await hundredRenders(pool, shortExpected, () => short);
  });

  it('stops a render whose plugin hangs at renderTimeoutMs with ERR_RENDER_TIMEOUT naming it; the render beside it and the next 100 complete', async () => {
    const beside = audio(4);
    const besideExpected = await reference(gain, beside.channels);
    const started = performance.now();
    const [hung, survivor] = [rejection(pool.render(misbehave('hang'), audio(1))), pool.render(gain, beside)];
    expectSame((await survivor).channels, besideExpected);
    const error = await hung;
    const took = performance.now() - started;
    expect(error.code).toBe('ERR_RENDER_TIMEOUT');
    expect(error.message).toContain("inside plugin 'Mixchain Misbehave'");
    expect(took).toBeGreaterThanOrEqual(4000);
    expect(took).toBeLessThan(8000);
    await hundredRenders(pool, shortExpected, () => short);
  });

  it('fails a render whose plugin outputs NaN with ERR_NONFINITE_OUTPUT naming it, writes no file, keeps the worker', async () => {
    const restartsBefore = pool.stats().restarts;
    const output = join(scratch, 'nan.wav');
    const beside = audio(4);
    const besideExpected = await reference(gain, beside.channels);
    const [nan, survivor] = [rejection(pool.render(misbehave('nan'), audio(1), { outputPath: output })), pool.render(gain, beside)];
    expectSame((await survivor).channels, besideExpected);
    const error = await nan;
    expect(error.code).toBe('ERR_NONFINITE_OUTPUT');
    expect(error.message).toContain("'Mixchain Misbehave'");
    expect(existsSync(output)).toBe(false);
    expect(readdirSync(scratch).filter((f) => f.startsWith('nan'))).toEqual([]);
    expect(pool.stats().restarts).toBe(restartsBefore);
    await hundredRenders(pool, shortExpected, () => short);
  });

  it('retries a render once when its worker is killed from outside, and never runs it a third time', async () => {
    const input = audio(20);
    const expected = await reference(reverb, input.channels);
    const innocent = pool.render(reverb, input);
    const victim = await until(() => pool.stats().workers.find((w) => w.running > 0 && !w.retiring), 'a busy worker');
    process.kill(victim.pid, 'SIGKILL');
    expectSame((await innocent).channels, expected);

    // A render whose worker dies under it twice fails; it is not tried again.
    const doomed = pool.render(misbehave('hang', 0), audio(1));
    const first = await until(() => pool.stats().workers.find((w) => w.running > 0 && !w.retiring), 'the first attempt');
    process.kill(first.pid, 'SIGKILL');
    const second = await until(() => pool.stats().workers.find((w) => w.running > 0 && !w.retiring && w.pid !== first.pid), 'the second attempt');
    process.kill(second.pid, 'SIGKILL');
    const error = await rejection(doomed);
    expect(error.code).toBe('ERR_WORKER_CRASHED');
    expect(error.message).toContain('each of its 2 attempts');
    expect(pool.stats().inFlight).toBe(0);
    expect(pool.stats().queued).toBe(0);
    await hundredRenders(pool, shortExpected, () => short);
  });

  it('stops a running render within a block of its abort, and drops a queued one at once', async () => {
    // A pool of its own: a minute of reverb can take longer than this suite's 4 s timeout when
    // the machine is loaded, and a timeout is not what this test is about.
    const pool = createPool({ workers: 2, isolation: 'process', renderTimeoutMs: 60_000, maxQueue: 200 });
    onTestFinished(() => pool.close());
    // A file: the worker decodes it itself, so the render starts as soon as the worker has it.
    const input = join(scratch, 'long.wav');
    const frames = 60 * RATE;
    writeAudio(input, audio(60).channels, RATE, { sampleType: 'pcm16' });
    await Promise.all([pool.render(reverb, input), pool.render(reverb, input)]);  // both workers warm
    const fullStarted = performance.now();
    const full = await pool.render(reverb, input);
    const fullMs = performance.now() - fullStarted;
    const blockMs = (full.report.renderSeconds * 1000) / full.report.blocks;
    // The abort must land while the worker is processing, after its decode: aim at the middle of
    // a render's wall time and, if a loaded machine makes it land before the first block or after
    // the last, aim again (each miss is still checked for a prompt, complete answer).
    let stoppedMidway = false;
    for (const share of [0.5, 0.35, 0.65, 0.2, 0.8]) {
      const controller = new AbortController();
      const started = performance.now();
      const running = pool.render(reverb, input, { signal: controller.signal });
      await new Promise((resolve) => setTimeout(resolve, fullMs * share - (performance.now() - started)));
      const abortedAt = performance.now();
      controller.abort();
      const outcome = await running.then((result) => ({ result }), (error: { code: string; message: string }) => ({ error }));
      const stoppedMs = performance.now() - abortedAt;
      if ('result' in outcome) {
        expect(outcome.result.channels[0].length).toBe(frames);  // finished before the abort arrived
        continue;
      }
      expect(outcome.error.code).toBe('ERR_ABORTED');
      const done = Number(/after (\d+) frames/.exec(outcome.error.message)?.[1]);
      expect(done).toBeGreaterThanOrEqual(0);
      expect(done).toBeLessThan(frames);
      // One block of DSP, plus the message to the worker and back.
      expect(stoppedMs).toBeLessThan(blockMs + 100);
      if (done > 0) {
        stoppedMidway = true;
        break;
      }
    }
    expect(stoppedMidway).toBe(true);

    const blocker = pool.render(reverb, input);
    const blocker2 = pool.render(reverb, input);
    const queued = new AbortController();
    const waiting = pool.render(gain, short, { signal: queued.signal });
    expect(pool.stats().queued).toBe(1);
    queued.abort();
    expect((await rejection(waiting)).code).toBe('ERR_ABORTED');
    expect(pool.stats().queued).toBe(0);
    await Promise.all([blocker, blocker2]);
  });

  it('renders files in and out in the worker, and reports bad input with its code', async () => {
    const input = join(scratch, 'in.wav');
    writeAudio(input, audio(1).channels, RATE, { sampleType: 'float' });
    const output = join(scratch, 'out.wav');
    const result = await pool.render(gain, input, { outputPath: output, output: { sampleType: 'float' } });
    expect(result.channels).toBeUndefined();
    expectSame(readAudio(output).channels, await reference(gain, readAudio(input).channels));

    expect((await rejection(pool.render(gain, join(scratch, 'missing.wav')))).code).toBe('ERR_FILE_NOT_FOUND');
    expect((await rejection(pool.render([{ plugin: 'NoSuchBundle' }], short))).code).toBe('ERR_BUNDLE_NOT_FOUND');
    expect((await rejection(pool.renderMix('no-such-recipe', { vocal: short }))).code).toBe('ERR_RECIPE_NOT_FOUND');
  });
});

describe('render pool, warm chains and recycling', () => {
  it('renders the default recipe on warm chains bit-identically to fresh chains', async () => {
    const vocal = { sampleRate: 22050, channels: [testSignal(22050 * 3, 22050, 1)[0]!] };
    const beat = { sampleRate: 48000, channels: testSignal(48000 * 3, 48000, 2) };
    const fresh = await renderMix('default', { vocal, beat }, { reverb: 'reverb2', doubler: true });
    for (const isolation of ['process', 'thread'] as const) {
      const pool = createPool({ workers: 1, isolation, warm: [{ recipe: 'default', reverb: 'reverb2', doubler: true }] });
      try {
        const copy = () => ({ vocal: { ...vocal, channels: vocal.channels.map((c) => c.slice()) }, beat: { ...beat, channels: beat.channels.map((c) => c.slice()) } });
        const first = await pool.renderMix('default', copy(), { reverb: 'reverb2', doubler: true });
        const second = await pool.renderMix('default', copy(), { reverb: 'reverb2', doubler: true });
        expect(pool.stats().workers[0]!.warmInstances).toBeGreaterThan(0);
        expectSame(first.channels, fresh.channels);
        expectSame(second.channels, fresh.channels);
        expect(second.report.loudness).toEqual(fresh.report.loudness);
      } finally {
        await pool.close();
      }
    }
  });

  it('recycles workers after N renders without losing a queued render', async () => {
    const pool = createPool({ workers: 2, recycleAfterRenders: 3, maxQueue: 100 });
    try {
      const inputs = Array.from({ length: 30 }, (_, i) => audio(0.05 + i * 0.01));
      const expected = await Promise.all(inputs.map((input) => reference(gain, input.channels)));
      const results = await Promise.all(inputs.map((input) => pool.render(gain, input)));
      results.forEach((result, i) => expectSame(result.channels, expected[i]!));
      const stats = pool.stats();
      expect(stats.completed).toBe(30);
      expect(stats.recycled).toBeGreaterThanOrEqual(8);
      expect(stats.crashes).toBe(0);
    } finally {
      await pool.close();
    }
  });
});

describe('render pool, load and shutdown', () => {
  it('refuses renders past maxQueue at once with ERR_POOL_BUSY, and a flood does not grow memory', async () => {
    const pool = createPool({ workers: 1, maxQueue: 4, isolation: 'thread' });
    try {
      const flood = async () => {
        const started = performance.now();
        const answers = Array.from({ length: 20_000 }, () => pool.render(gain, { sampleRate: RATE, channels: [new Float32Array(64), new Float32Array(64)] }));
        const busy = await Promise.all(answers.slice(5).map((a) => rejection(a)));
        const refusedMs = performance.now() - started;
        expect(busy.every((e) => e.code === 'ERR_POOL_BUSY')).toBe(true);
        await Promise.all(answers.slice(0, 5));
        gc();
        return { refusedMs, rss: process.memoryUsage.rss(), heap: process.memoryUsage().heapUsed };
      };
      const floods = [];
      for (let i = 0; i < 5; i++) floods.push(await flood());
      const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
      console.log(`flood of 20,000 renders, 5 times: refused in ${floods.map((f) => f.refusedMs.toFixed(0)).join(' / ')} ms; ` +
        `RSS after each ${floods.map((f) => mib(f.rss)).join(' / ')} MiB; JS heap after GC ${floods.map((f) => mib(f.heap)).join(' / ')} MiB`);
      for (const f of floods) expect(f.refusedMs).toBeLessThan(2000);
      // Memory levels off: what the last flood leaves is what the second left.
      expect(floods[4]!.heap - floods[1]!.heap).toBeLessThan(4 * 2 ** 20);
      expect(floods[4]!.rss - floods[1]!.rss).toBeLessThan(48 * 2 ** 20);
    } finally {
      await pool.close();
    }
  });

  it('close() finishes the renders in flight, rejects the queued ones, then takes no more', async () => {
    const pool = createPool({ workers: 1, maxQueue: 10 });
    const input = audio(10);
    const expected = await reference(reverb, input.channels);
    const inFlight = pool.render(reverb, input);
    await until(() => pool.stats().inFlight === 1, 'the render to start');
    const queued = [pool.render(gain, audio(0.1)), pool.render(gain, audio(0.1))];
    const closing = pool.close();
    for (const q of queued) expect((await rejection(q)).code).toBe('ERR_POOL_CLOSED');
    expectSame((await inFlight).channels, expected);
    await closing;
    expect((await rejection(pool.render(gain, audio(0.1)))).code).toBe('ERR_POOL_CLOSED');
  });

  it('rejects bad options, naming the option', () => {
    const bad: Array<[object, string]> = [
      [{ workers: 0 }, 'workers'],
      [{ workers: 1.5 }, 'workers'],
      [{ isolation: 'fiber' }, 'isolation'],
      [{ maxQueue: -1 }, 'maxQueue'],
      [{ renderTimeoutMs: 0 }, 'renderTimeoutMs'],
      [{ recycleAfterRenders: 'often' }, 'recycleAfterRenders'],
      [{ maxWorkerMemoryMb: 1 }, 'maxWorkerMemoryMb'],
      [{ warm: 'default' }, 'warm'],
      [{ warm: [{}] }, 'warm[0]'],
    ];
    for (const [options, name] of bad) {
      let error: unknown;
      try {
        createPool(options);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(MixchainError);
      expect((error as MixchainError).code).toBe('ERR_POOL_OPTIONS');
      expect((error as MixchainError).message).toContain(`for ${name} but got`);
    }
  });
});

describe('render pool, soak', () => {
  it('serves 1,000 short default-recipe mixes with flat worker memory', async () => {
    const pool = createPool({ workers: 2, warm: ['default'], recycleAfterRenders: Infinity, maxQueue: 1000 });
    try {
      const vocal = { sampleRate: RATE, channels: testSignal(RATE / 2, RATE, 1) };
      const beat = { sampleRate: RATE, channels: testSignal(RATE / 2, RATE, 2) };
      const batch = async (n: number) => {
        const results = await Promise.all(Array.from({ length: n }, () => pool.renderMix('default', { vocal, beat })));
        for (const r of results) expect(r.report.master.integratedLufs).toBeCloseTo(results[0]!.report.master.integratedLufs, 6);
      };
      // Worker RSS after every 50 mixes. Between readings it swings by several percent either
      // way (what the allocator and the worker's lazy garbage collection keep), so levels are
      // compared as means: mixes 400–600 (after a warm-up of 400) against the last 250; no later
      // reading may pass the highest of 400–600 by more than 20 %.
      const readings: number[][] = [];
      for (let i = 0; i < 20; i++) {
        await batch(50);
        readings.push(pool.stats().workers.map((w) => w.memoryMb));
      }
      const mean = (rows: number[][]) => rows[0]!.map((_, w) => rows.reduce((sum, row) => sum + row[w]!, 0) / rows.length);
      const highest = (rows: number[][]) => rows[0]!.map((_, w) => Math.max(...rows.map((row) => row[w]!)));
      const warmUp = readings.slice(7, 11);
      const last = readings.slice(15);
      const [warmed, ended] = [mean(warmUp), mean(last)];
      const mib = (row: number[]) => row.map((m) => m.toFixed(1)).join(' / ');
      const stats = pool.stats();
      console.log(`soak: ${stats.completed} mixes, p50 ${stats.renderMs.p50.toFixed(1)} ms, p99 ${stats.renderMs.p99.toFixed(1)} ms; worker RSS, mean of mixes 400–600 ${mib(warmed)} MiB, mean of the last 250 ${mib(ended)} MiB, highest after that ${mib(highest(readings.slice(11)))} MiB`);
      expect(stats.completed).toBe(1000);
      expect(stats.crashes).toBe(0);
      ended.forEach((mb, w) => expect(mb).toBeLessThanOrEqual(warmed[w]! * 1.1));
      for (const row of readings.slice(11)) row.forEach((mb, w) => expect(mb).toBeLessThanOrEqual(highest(warmUp)[w]! * 1.2));
    } finally {
      await pool.close();
    }
  }, 300_000);
});
