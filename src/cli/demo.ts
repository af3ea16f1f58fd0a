import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { writeAudio } from '../audio/audio-file.js';
import { speakVocal, synthesizeBeat } from '../demo/material.js';
import { renderMixFile } from '../mix/render-mix.js';
import { formatMixReport } from './mix.js';
import { print } from './stdout.js';

const script =
  'Welcome to mixchain. This voice was spoken by a machine, then mixed in Node: ' +
  'a gate, an equaliser and a compressor on the vocal, a room reverb on a send, ' +
  'a beat underneath, and a master bus at streaming loudness.';

/**
 * `mixchain demo`: makes its own material (a vocal spoken by espeak-ng, a beat synthesised
 * here) and mixes it with the default recipe.
 */
export function addDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('mix a vocal spoken by espeak-ng over a synthesised beat with the default recipe')
    .option('-o, --output <file>', 'the mix (default: demo-mix.wav in a folder under the system temp folder)')
    .option('--json', 'print the report as JSON')
    .action(demo);
}

async function demo(values: { output?: string; json?: boolean }): Promise<void> {
  const folder = join(tmpdir(), 'mixchain-demo');
  mkdirSync(folder, { recursive: true });
  const vocal = join(folder, 'vocal.wav');
  const beat = join(folder, 'beat.wav');
  const output = values.output ?? join(folder, 'demo-mix.wav');
  await speakVocal(script, vocal);
  writeAudio(beat, synthesizeBeat(16), 44100, { sampleType: 'float' });
  const report = await renderMixFile('default', { vocal, beat }, output, {});
  print(values.json ? JSON.stringify(report, null, 2) : `demo: a vocal spoken by espeak-ng over a synthesised beat\n${formatMixReport(report, output)}`);
}
