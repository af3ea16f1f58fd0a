import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { MixchainError } from '../errors.js';
import { renderFile } from '../render-file.js';
import { formatReport } from './report.js';
import type { ChainSlot } from '../chain.js';

const script =
  'Welcome to mixchain. This voice was spoken by a machine, then mixed in Node through a gate, ' +
  'an equaliser, a compressor, a reverb and a limiter.';

/**
 * The vocal chain of the demo, with settings chosen by listening (see README): a gentle gate,
 * a mud cut and presence lift, 3:1 compression with make-up gain, a small room at 18 % and a
 * limiter 1 dB under full scale.
 */
export const demoChain: ChainSlot[] = [
  { plugin: 'ZamGateX2', parameters: { Threshold: -50, Attack: 2, Release: 150, 'Max gate close': -30 } },
  {
    plugin: 'ZamEQ2',
    parameters: { 'Boost/Cut L': -4, 'Frequency L': 120, 'Boost/Cut 1': -2, 'Frequency 1': 350, 'Bandwidth 1': 1.5,
      'Boost/Cut 2': 3, 'Frequency 2': 3500, 'Bandwidth 2': 1, 'Boost/Cut H': 2, 'Frequency H': 10000 },
  },
  { plugin: 'ZamCompX2', parameters: { Threshold: -22, Ratio: 3, Attack: 8, Release: 120, Knee: 4, Makeup: 6 } },
  { plugin: 'ZamVerb', parameters: { 'Wet / Dry': 18, Room: 0 } },
  { plugin: 'ZaMaximX2', parameters: { Threshold: -4, 'Output Ceiling': -1, Release: 40 } },
];

/** `mixchain demo`: speaks a vocal with espeak-ng and renders it through the demo chain. */
export async function demo(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { output: { type: 'string', short: 'o' }, json: { type: 'boolean', default: false } },
  });
  const folder = join(tmpdir(), 'mixchain-demo');
  mkdirSync(folder, { recursive: true });
  const vocal = join(folder, 'vocal.wav');
  const output = values.output ?? join(folder, 'demo-mix.wav');
  try {
    execFileSync('espeak-ng', ['-v', 'en-us', '-s', '150', '-w', vocal, script], { stdio: 'pipe' });
  } catch (error) {
    throw new MixchainError('ERR_DEMO_VOCAL', `The demo speaks its vocal with espeak-ng, which failed or is missing (apt-get install espeak-ng): ${(error as Error).message}`);
  }
  const report = await renderFile(vocal, output, demoChain, { stereo: true, tail: 'auto' });
  console.log(values.json ? JSON.stringify(report, null, 2) : `demo vocal spoken by espeak-ng\n${formatReport(report)}`);
  return report.output.nonFinite > 0 || report.output.silent ? 1 : 0;
}
