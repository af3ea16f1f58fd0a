// End-to-end mix benchmark (npm run bench:mix).
//
// A vocal (spoken by espeak-ng, 22.05 kHz mono WAV, looped to length) and a beat (synthesised,
// 48 kHz stereo FLAC) go through the default recipe file to file: decode, resample to 44.1 kHz,
// vocal chain, room reverb on a send, master bus, loudness normalisation, WAV encode. The
// reference is the plugins' own DSP for the same audio in the native bare loop (each chain of
// the recipe over the same duration), measured in the same run. Prints the share of the total
// that is not plugin DSP, for a 3-minute and a 10-second mix.
//
//   node test/bench/mix.mjs [--repeats 3]
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { renderMixFile } from '../../dist/index.js';
import { mixMaterial } from './material.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const bareLoop = join(here, '..', '..', 'build', 'bench', 'mixchain-bare-loop');
const { values } = parseArgs({ options: { repeats: { type: 'string', default: '3' } } });
const repeats = Number(values.repeats);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const scratch = mkdtempSync(join(tmpdir(), 'mixchain-bench-mix-'));

// The default recipe's chains as rendered for a mix with reverb1 (the default choice).
const chains = {
  vocal: ['ZamGateX2', 'ZamEQ2', 'ZamCompX2'],
  reverb1: ['ZamVerb'],
  master: ['ZamCompX2', 'ZaMaximX2'],
};


function dspSeconds(seconds) {
  let total = 0;
  for (const bundles of Object.values(chains)) {
    const out = execFileSync(bareLoop, ['--seconds', String(seconds), '--block', '8192', ...bundles.map((b) => `/usr/lib/vst3/${b}.vst3`)], { stdio: ['ignore', 'pipe', 'ignore'] });
    total += JSON.parse(out.toString()).cpuSeconds;
  }
  return total;
}

console.log(`machine: ${cpus().length} × ${cpus()[0]?.model}, node ${process.version}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
for (const seconds of [180, 10]) {
  const { vocal, beat } = await mixMaterial(scratch, seconds);
  const totals = [];
  const dsp = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    await renderMixFile('default', { vocal, beat }, join(scratch, `mix-${seconds}.wav`));
    totals.push((performance.now() - start) / 1000);
    dsp.push(dspSeconds(seconds));
  }
  const total = median(totals);
  const plugins = median(dsp);
  console.log(`${seconds} s mix: end to end ${total.toFixed(2)} s [${totals.map((t) => t.toFixed(2)).join(', ')}], ` +
    `plugin DSP (bare loop) ${plugins.toFixed(2)} s [${dsp.map((t) => t.toFixed(2)).join(', ')}], ` +
    `not DSP ${(100 * (1 - plugins / total)).toFixed(1)} %, total / DSP ${(total / plugins).toFixed(2)}`);
}
console.log(`load after ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
