import { parseArgs } from 'node:util';
import { progressBar } from './progress.js';
import { renderMixFile, type MixReport } from '../mix/render-mix.js';
import { invalidArgument } from '../errors.js';
import type { ReverbChoice } from '../mix/recipe.js';
import type { WriteAudioOptions } from '../audio-file.js';

const lufs = (value: number) => (Number.isFinite(value) ? `${value.toFixed(1)} LUFS` : 'silent');

/** The mix report as a person reads it. */
export function formatMixReport(report: MixReport, output: string): string {
  const lines = [
    `recipe ${report.recipe}: reverb ${report.choices.reverb}, doubler ${report.choices.doubler ? 'on' : 'off'}, robot ${report.choices.robot ? 'on' : 'off'}`,
    ...report.tracks.map((t) => `  ${t.name.padEnd(8)} ${t.inputSeconds.toFixed(2)} s (${t.inputChannels} ch, ${t.inputSampleRate} Hz), ${lufs(t.loudness.integratedLufs)}, ` +
      `true peak ${t.loudness.truePeakDbtp.toFixed(1)} dBTP, chain latency ${t.latencySamples} compensated${t.warnings.length ? `; ${t.warnings.join('; ')}` : ''}`),
    ...report.buses.map((b) => `  bus ${b.name}: latency ${b.latencySamples} compensated`),
    `  master latency ${report.masterLatencySamples} compensated`,
    report.loudness?.targetLufs != null
      ? `loudness ${lufs(report.loudness.before.integratedLufs)} → ${lufs(report.master.integratedLufs)} (target ${report.loudness.targetLufs}), ` +
        `gain ${report.loudness.gainDb.toFixed(1)} dB${report.loudness.limiter ? `, limiter ${report.loudness.limiter.maxReductionDb.toFixed(1)} dB` : ''}`
      : `loudness ${lufs(report.master.integratedLufs)} (not normalised)`,
    `true peak ${report.master.truePeakDbtp.toFixed(2)} dBTP, loudness range ${report.master.rangeLu.toFixed(1)} LU`,
    `out: ${output} (${report.seconds.toFixed(2)} s at ${report.sampleRate} Hz${report.preview ? `, preview from ${report.preview.start} s with ${report.preview.preRollSeconds} s pre-roll` : ''})`,
    `render ${report.renderSeconds.toFixed(2)} s, ${report.realtimeFactor.toFixed(1)}x realtime`,
  ];
  return lines.join('\n');
}

function number(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed)) throw invalidArgument(flag, 'a number', value);
  return parsed;
}

/** `mixchain mix`: a vocal (and beat) through a recipe to a loudness-targeted master. */
export async function mix(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      vocal: { type: 'string' },
      beat: { type: 'string' },
      extra: { type: 'string', multiple: true, default: [] },
      recipe: { type: 'string', default: 'default' },
      reverb: { type: 'string' },
      doubler: { type: 'boolean' },
      robot: { type: 'boolean' },
      'vocal-gain': { type: 'string' },
      'beat-gain': { type: 'string' },
      lufs: { type: 'string' },
      start: { type: 'string' },
      duration: { type: 'string' },
      'sample-rate': { type: 'string' },
      block: { type: 'string' },
      'sample-type': { type: 'string' },
      output: { type: 'string', short: 'o' },
      json: { type: 'boolean', default: false },
    },
  });
  if (!values.vocal) throw invalidArgument('--vocal', 'a vocal file', undefined);
  if (!values.output) throw invalidArgument('-o', 'an output file', undefined);
  const lufsTarget = values.lufs === undefined ? undefined : Number.isFinite(Number(values.lufs)) ? Number(values.lufs) : values.lufs;
  const options = {
    ...(values.reverb === undefined ? {} : { reverb: values.reverb as ReverbChoice }),
    ...(values.doubler === undefined ? {} : { doubler: values.doubler }),
    ...(values.robot === undefined ? {} : { robot: values.robot }),
    ...(values['vocal-gain'] === undefined ? {} : { vocalGainDb: number(values['vocal-gain'], '--vocal-gain')! }),
    ...(values['beat-gain'] === undefined ? {} : { beatGainDb: number(values['beat-gain'], '--beat-gain')! }),
    ...(lufsTarget === undefined ? {} : { lufs: lufsTarget }),
    ...(values.start === undefined ? {} : { start: number(values.start, '--start')! }),
    ...(values.duration === undefined ? {} : { duration: number(values.duration, '--duration')! }),
    ...(values['sample-rate'] === undefined ? {} : { sampleRate: number(values['sample-rate'], '--sample-rate')! }),
    ...(values.block === undefined ? {} : { maxBlockSize: number(values.block, '--block')! }),
    ...(values['sample-type'] === undefined ? {} : { output: { sampleType: values['sample-type'] } as WriteAudioOptions }),
  };
  const progress = values.json ? undefined : progressBar();
  const inputs = { vocal: values.vocal, ...(values.beat ? { beat: values.beat } : {}), extras: values.extra };
  const report = await renderMixFile(values.recipe, inputs, values.output, { ...options, ...(progress ? { onProgress: progress } : {}) });
  console.log(values.json ? JSON.stringify(report, null, 2) : formatMixReport(report, values.output));
  return 0;
}
