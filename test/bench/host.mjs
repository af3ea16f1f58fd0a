// Host overhead and block-size benchmark (npm run bench).
//
// Renders the same stereo test signal through the vocal chain ZamGateX2 → ZamEQ2 → ZamCompX2 →
// ZamVerb → ZaMaximX2 two ways, alternating, in one run: the native bare loop (C++, no Node,
// test/bench/native) and the addon from a worker thread (Chain.render, timed in JS). Prints
// realtime factors (audio seconds per second: wall clock, and CPU time of the rendering thread,
// which shared-VM noise disturbs less) and the ratio addon / bare loop per block size.
//
//   node test/bench/host.mjs [--seconds 60] [--repeats 5] [--blocks 512,1024,2048,4096,8192]
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
    repeats: { type: 'string', default: '5' },
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
  return { wall: run.seconds / run.wallSeconds, cpu: run.seconds / run.cpuSeconds };
}

async function addon(block) {
  const worker = new Worker(join(here, 'render-worker.mjs'), { workerData: { bundles, block, seconds }, stderr: true });
  const [run] = await once(worker, 'message');
  await worker.terminate();
  return { wall: run.seconds / run.wallSeconds, cpu: run.seconds / run.nativeCpuSeconds };
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
  const ratios = (kind) => addonRuns.map((a, i) => a[kind] / bareRuns[i][kind]);
  const row = {
    block,
    bare: median(bareRuns.map((r) => r.wall)),
    addon: median(addonRuns.map((r) => r.wall)),
    ratio: median(ratios('wall')),
    bareCpu: median(bareRuns.map((r) => r.cpu)),
    addonCpu: median(addonRuns.map((r) => r.cpu)),
    ratioCpu: median(ratios('cpu')),
  };
  rows.push(row);
  console.log(`block ${String(block).padStart(4)}: wall: bare ${row.bare.toFixed(1)}x, addon ${row.addon.toFixed(1)}x, ratio ${row.ratio.toFixed(3)} ` +
    `[${ratios('wall').map((r) => r.toFixed(3)).join(', ')}] | cpu: bare ${row.bareCpu.toFixed(1)}x, addon ${row.addonCpu.toFixed(1)}x, ` +
    `ratio ${row.ratioCpu.toFixed(3)} [${ratios('cpu').map((r) => r.toFixed(3)).join(', ')}]`);
}
const fastest = rows.reduce((a, b) => (b.addon > a.addon ? b : a));
console.log(`\nfastest addon block: ${fastest.block} (${fastest.addon.toFixed(1)}x realtime); load after ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
