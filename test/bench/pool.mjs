// Render-pool benchmark (npm run bench:pool), all measured side by side in one run:
//
// - throughput: 60 s renders through the default recipe's plugins in series, one worker, in
//   each isolation mode, against the native bare loop over the same plugins (goal >= 0.97);
// - scaling: a batch of 20 × 30 s renders on 2 workers vs 1, for chain renders and for whole
//   default-recipe mixes (goal >= 1.8×);
// - latency: a 10 s vocal + beat mix, file in → file out, through the warm pool, against the
//   plugins' own DSP for it (goal: p50 <= DSP + 30 ms) and against spawning `mixchain mix` per
//   request (the architecture the pool replaces);
// - memory: RSS of a warm worker with the default recipe, and with four recipe variants warm.
//
//   node test/bench/pool.mjs [--repeats 3] [--latency-runs 20] [--only throughput,scaling,latency,memory]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createPool, writeAudio } from '../../dist/index.js';
import { testSignal } from '../fixtures/signal.mjs';
import { mixMaterial } from './material.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..', '..');
const bareLoop = join(root, 'build', 'bench', 'mixchain-bare-loop');
const cli = join(root, 'dist', 'cli', 'main.js');
const { values } = parseArgs({
  options: { repeats: { type: 'string', default: '3' }, 'latency-runs': { type: 'string', default: '20' }, only: { type: 'string', default: 'throughput,scaling,latency,memory' } },
});
const sections = new Set(values.only.split(','));
const repeats = Number(values.repeats);
const latencyRuns = Number(values['latency-runs']);
const scratch = mkdtempSync(join(tmpdir(), 'mixchain-bench-pool-'));
const RATE = 44100;
const BLOCK = 8192;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const percentile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
const bundle = (name) => `/usr/lib/vst3/${name}.vst3`;

// The default recipe's plugins with reverb1: vocal chain, reverb, master.
const vocalChain = ['ZamGateX2', 'ZamEQ2', 'ZamCompX2'];
const reverbChain = ['ZamVerb'];
const masterChain = ['ZamCompX2', 'ZaMaximX2'];
const recipeInSeries = [...vocalChain, ...reverbChain, ...masterChain];

function bare(seconds, names) {
  const out = execFileSync(bareLoop, ['--seconds', String(seconds), '--block', String(BLOCK), ...names.map(bundle)], { stdio: ['ignore', 'pipe', 'ignore'] });
  return JSON.parse(out.toString());
}

const signal = (seconds) => ({ sampleRate: RATE, channels: testSignal(Math.floor((seconds * RATE) / BLOCK) * BLOCK, RATE, 2) });

async function timed(work) {
  const start = performance.now();
  await work();
  return (performance.now() - start) / 1000;
}

console.log(`machine: ${cpus().length} × ${cpus()[0]?.model}, node ${process.version}, load ${load()}`);

// --- Throughput: one worker, 60 s renders, vs the bare loop ---------------------------------
if (sections.has('throughput')) {
  const slots = recipeInSeries.map(bundle);
  const pools = { thread: createPool({ workers: 1, isolation: 'thread' }), process: createPool({ workers: 1, isolation: 'process' }) };
  for (const pool of Object.values(pools)) await pool.render(slots, signal(1));  // warm
  // The same 60 s as a file: the worker decodes it and writes the result, no audio crosses over.
  const inputFile = join(scratch, 'signal-60.wav');
  writeAudio(inputFile, signal(60).channels, RATE, { sampleType: 'float' });
  const rows = { bare: [], thread: [], process: [], files: [] };
  for (let i = 0; i < repeats; i++) {
    rows.bare.push(bare(60, recipeInSeries).wallSeconds);
    for (const [mode, pool] of Object.entries(pools)) {
      const input = signal(60);
      rows[mode].push(await timed(() => pool.render(slots, input)));
    }
    rows.files.push(await timed(() => pools.process.render(slots, inputFile, { outputPath: join(scratch, 'out-60.wav'), output: { sampleType: 'float' } })));
  }
  const b = median(rows.bare);
  console.log(`throughput, 60 s through ${recipeInSeries.join(' → ')} (block ${BLOCK}), medians of ${repeats}:`);
  console.log(`  bare loop ${b.toFixed(3)} s (${(60 / b).toFixed(1)}x realtime) [${rows.bare.map((t) => t.toFixed(3)).join(', ')}]`);
  const labels = { thread: 'thread isolation', process: 'process isolation', files: 'process isolation, file in → file out' };
  for (const [mode, label] of Object.entries(labels)) {
    const m = median(rows[mode]);
    console.log(`  pool, ${label} ${m.toFixed(3)} s (${(60 / m).toFixed(1)}x) [${rows[mode].map((t) => t.toFixed(3)).join(', ')}]: throughput ratio ${(b / m).toFixed(3)}`);
  }
  await Promise.all(Object.values(pools).map((p) => p.close()));
}


// --- Scaling: 2 workers vs 1 -------------------------------------------------------------------
if (sections.has('scaling')) {
  const slots = recipeInSeries.map(bundle);
  const mix = await mixMaterial(scratch, 30);
  console.log(`scaling, a batch of 20 × 30 s renders (load before ${load()}):`);
  for (const [what, run] of [
    ['chain renders', (pool) => pool.render(slots, signal(30))],
    ['default-recipe mixes (file in, file out)', (pool, i) => pool.renderMix('default', mix, { outputPath: join(scratch, `scale-${i}.wav`) })],
  ]) {
    const seconds = {};
    for (const workers of [1, 2]) {
      const pool = createPool({ workers, warm: ['default'], maxQueue: 100 });
      await Promise.all(Array.from({ length: workers }, (_, i) => run(pool, i)));  // every worker warm
      seconds[workers] = await timed(() => Promise.all(Array.from({ length: 20 }, (_, i) => run(pool, i))));
      await pool.close();
    }
    console.log(`  ${what}: 1 worker ${seconds[1].toFixed(2)} s, 2 workers ${seconds[2].toFixed(2)} s: ${(seconds[1] / seconds[2]).toFixed(2)}×`);
  }
  console.log(`  load after ${load()}`);
}

// --- Latency: 10 s mix, warm pool vs a process per mix -----------------------------------------
if (sections.has('latency')) {
  const mix = await mixMaterial(scratch, 10);
  const pool = createPool({ workers: 1, warm: ['default'] });
  const { report } = await pool.renderMix('default', mix, { outputPath: join(scratch, 'latency.wav') });
  // The plugins' own DSP over the audio each chain actually processes: the vocal with its tail,
  // the reverb bus with its ring-out, the master over the whole mix.
  const processed = { vocal: report.tracks[0].outputSeconds, reverb: report.buses[0].outputSeconds, master: report.seconds };
  const dsp = bare(processed.vocal, vocalChain).cpuSeconds + bare(processed.reverb, reverbChain).cpuSeconds + bare(processed.master, masterChain).cpuSeconds;
  const warm = [];
  const stages = [];
  for (let i = 0; i < latencyRuns; i++) {
    warm.push(await timed(async () => stages.push((await pool.renderMix('default', mix, { outputPath: join(scratch, 'latency.wav') })).report.stages)));
  }
  await pool.close();
  const spawned = [];
  for (let i = 0; i < latencyRuns; i++) {
    spawned.push(
      await timed(
        () =>
          new Promise((resolve, reject) => {
            const child = spawn(process.execPath, [cli, 'mix', '--vocal', mix.vocal, '--beat', mix.beat, '-o', join(scratch, 'spawned.wav'), '--json'], { stdio: 'ignore' });
            child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`mixchain mix exited with ${code}`))));
          }),
      ),
    );
  }
  const ms = (s) => `${(s * 1000).toFixed(0)} ms`;
  console.log(`latency, 10 s vocal + beat, default recipe, file to file, ${latencyRuns} runs each:`);
  console.log(`  plugin DSP (bare loop: vocal chain over ${processed.vocal.toFixed(2)} s, reverb over ${processed.reverb.toFixed(2)} s, master over ${processed.master.toFixed(2)} s) ${ms(dsp)}`);
  console.log(`  warm pool: p50 ${ms(median(warm))}, p99 ${ms(percentile(warm, 0.99))}: p50 - DSP = ${ms(median(warm) - dsp)}`);
  const at = (key) => median(stages.map((s) => s[key]));
  console.log(`  inside the worker (medians, ms since the mix started): decoded ${ms(at('decoded'))}, vocal track ${ms(at('tracks'))}, reverb bus ${ms(at('buses'))}, master ${ms(at('master'))}, loudness ${ms(at('loudness'))}`);
  console.log(`  mixchain mix per request: p50 ${ms(median(spawned))}, p99 ${ms(percentile(spawned, 0.99))}: ${(median(spawned) / median(warm)).toFixed(2)}× the pool's p50`);
}

// --- Memory --------------------------------------------------------------------------------------
if (sections.has('memory')) {
  const variants = [
    { recipe: 'default', reverb: 'reverb1' },
    { recipe: 'default', reverb: 'reverb2' },
    { recipe: 'default', reverb: 'reverb3new', doubler: true },
    { recipe: 'default', reverb: 'none', robot: true },
  ];
  const idle = createPool({ workers: 1 });
  const one = createPool({ workers: 1, warm: ['default'] });
  const four = createPool({ workers: 1, warm: variants });
  const ready = async (pool) => {
    while (!pool.stats().workers[0]?.ready) await new Promise((resolve) => setTimeout(resolve, 20));
    return pool.stats().workers[0];
  };
  const [a, b, c] = await Promise.all([ready(idle), ready(one), ready(four)]);
  console.log('memory of a worker process (RSS):');
  console.log(`  nothing warm ${a.memoryMb.toFixed(1)} MiB; default recipe warm ${b.memoryMb.toFixed(1)} MiB (${b.warmInstances} plugin instances); four recipe variants warm ${c.memoryMb.toFixed(1)} MiB (${c.warmInstances} instances)`);
  await Promise.all([idle.close(), one.close(), four.close()]);
}
console.log(`load after ${load()}`);
