import type { Command } from 'commander';
import { progressBar } from './progress.js';
import { numberOption, numberOrWordOption, repeatableOption } from './option-values.js';
import { renderMixFile, type MixReport } from '../mix/render-mix.js';
import type { ReverbChoice } from '../mix/recipe.js';
import type { WriteAudioOptions } from '../audio/audio-file.js';
import { print } from './stdout.js';

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

/** The options as commander reads them (`--vocal-gain` is `vocalGain`). */
interface MixFlags {
  vocal: string;
  beat?: string;
  extra?: string[];
  recipe: string;
  reverb?: ReverbChoice;
  doubler?: boolean;
  robot?: boolean;
  vocalGain?: number;
  beatGain?: number;
  lufs?: number | string;
  start?: number;
  duration?: number;
  sampleRate?: number;
  block?: number;
  sampleType?: WriteAudioOptions['sampleType'];
  output: string;
  json?: boolean;
}

/** `mixchain mix`: a vocal (and beat) through a recipe to a loudness-targeted master. */
export function addMixCommand(program: Command): void {
  program
    .command('mix')
    .description('mix a vocal (and a beat) through a recipe to a loudness-targeted master')
    .requiredOption('--vocal <file>', 'the vocal (any format ffmpeg reads)')
    .option('--beat <file>', 'the beat / instrumental')
    .addOption(repeatableOption('--extra <file>', 'an extra vocal (ad-libs), through the vocal chain; repeatable'))
    .option('--recipe <recipe>', 'default, hise or a recipe file (.json)', 'default')
    .option('--reverb <reverb>', "reverb1, reverb2, reverb3new or none (default: the recipe's)")
    .option('--doubler', 'add the doubler')
    .option('--robot', 'add the robot voice')
    .addOption(numberOption('--vocal-gain <dB>', "added to the recipe's vocal gain"))
    .addOption(numberOption('--beat-gain <dB>', "added to the recipe's beat gain"))
    .addOption(numberOrWordOption('--lufs <LUFS>', "loudness target in LUFS, or streaming (-14), apple (-16), podcast (-16), broadcast (-23), none (default: the recipe's)"))
    .addOption(numberOption('--start <s>', 'preview: start here (the plugins are fed up to 10 s before it); needs --duration'))
    .addOption(numberOption('--duration <s>', 'preview: this many seconds'))
    .addOption(numberOption('--sample-rate <Hz>', "session sample rate (default: the recipe's, else 44100)"))
    .addOption(numberOption('--block <N>', 'largest block in frames: a power of two from 32 to 8192'))
    .option('--sample-type <type>', 'for wav and flac: pcm16, pcm24 (default) or float (wav only)')
    .requiredOption('-o, --output <file>', 'the mix (format by extension)')
    .option('--json', 'print the report as JSON')
    .action(mix);
}

async function mix(flags: MixFlags): Promise<void> {
  const progress = flags.json ? undefined : progressBar();
  const inputs = { vocal: flags.vocal, ...(flags.beat ? { beat: flags.beat } : {}), extras: flags.extra ?? [] };
  const report = await renderMixFile(flags.recipe, inputs, flags.output, {
    reverb: flags.reverb,
    doubler: flags.doubler,
    robot: flags.robot,
    vocalGainDb: flags.vocalGain,
    beatGainDb: flags.beatGain,
    lufs: flags.lufs,
    start: flags.start,
    duration: flags.duration,
    sampleRate: flags.sampleRate,
    maxBlockSize: flags.block,
    output: flags.sampleType === undefined ? undefined : { sampleType: flags.sampleType },
    onProgress: progress,
  });
  print(flags.json ? JSON.stringify(report, null, 2) : formatMixReport(report, flags.output));
}
