// Host overhead and block-size benchmark (npm run bench).
//
// Renders the same stereo test signal through the vocal chain ZamGateX2 → ZamEQ2 → ZamCompX2 →
// ZamVerb → ZaMaximX2 two ways, alternating, in one run: the native bare loop (C++, no Node,
// test/bench/native) and the addon from a worker thread (Chain.render, timed in JS). Prints
// realtime factors (audio seconds per wall second) and the ratio addon / bare loop per block size.
//
//   node test/bench/host.mjs [--seconds 60] [--repeats 3] [--blocks 512,1024,2048,4096,8192]
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';

const here = fileURLToPath(new URL('.', import.meta.url));
const bareLoop = join(here, '..', '..', 'build', 'bench', 'mixchain-bare-loop');
const bundles = ['ZamGateX2', 'ZamEQ2', 'ZamCompX2', 'ZamVerb', 'ZaMaximX2'].map((name) => `/usr/lib/vst3/${name}.vst3`);

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    repeats: { type: 'string', default: '3' },
    blocks: { type: 'string', default: '512,1024,2048,4096,8192' },
  },
});
const seconds = Number(values.seconds);
const repeats = Number(values.repeats);
const blocks = values.blocks.split(',').map(Number);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function bare(block) {
  const out = execFileSync(bareLoop, ['--seconds', String(seconds), '--block', String(block), ...bundles], { stdio: ['ignore', 'pipe', 'ignore'] });
  const run = JSON.parse(out.toString());
  return run.seconds / run.wallSeconds;
}

async function addon(block) {
  const worker = new Worker(join(here, 'render-worker.mjs'), { workerData: { bundles, block, seconds }, stderr: true });
  const [run] = await once(worker, 'message');
  await worker.terminate();
  return run.seconds / run.wallSeconds;
}

console.log(`machine: ${cpus().length} × ${cpus()[0]?.model}, node ${process.version}, load before ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`signal: ${seconds} s stereo 44.1 kHz; chain: ${bundles.map((b) => b.split('/').pop().replace('.vst3', '')).join(' → ')}; ${repeats} runs each, medians\n`);
const rows = [];
for (const block of blocks) {
  const bareRuns = [];
  const addonRuns = [];
  for (let i = 0; i < repeats; i++) {
    bareRuns.push(bare(block));
    addonRuns.push(await addon(block));
  }
  const row = { block, bare: median(bareRuns), addon: median(addonRuns), ratio: median(addonRuns.map((a, i) => a / bareRuns[i])) };
  rows.push(row);
  console.log(`block ${String(block).padStart(4)}: bare loop ${row.bare.toFixed(1)}x, addon (worker) ${row.addon.toFixed(1)}x, ` +
    `addon/bare ${row.ratio.toFixed(3)}  [bare ${bareRuns.map((r) => r.toFixed(1)).join(', ')}; addon ${addonRuns.map((r) => r.toFixed(1)).join(', ')}]`);
}
const fastest = rows.reduce((a, b) => (b.addon > a.addon ? b : a));
console.log(`\nfastest addon block: ${fastest.block} (${fastest.addon.toFixed(1)}x realtime); load after ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
