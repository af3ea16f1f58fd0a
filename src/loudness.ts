import { binding } from './native/binding.js';
import { invalidArgument, native } from './errors.js';
import { measureLoudness, type Loudness } from './dsp.js';
import { requireChannels, requireNumber } from './validate.js';

/** Loudness targets by name, in LUFS; `none` leaves the level alone. */
export const LOUDNESS_PRESETS = { streaming: -14, apple: -16, podcast: -16, broadcast: -23, none: null } as const;
export type LoudnessPreset = keyof typeof LOUDNESS_PRESETS;

export interface NormalizeOptions {
  /** Integrated loudness to reach, in LUFS, or a preset name. Default `streaming` (-14). */
  target?: number | LoudnessPreset;
  /** The highest true peak allowed, in dBTP. Default -1. */
  ceilingDbtp?: number;
}

export interface NormalizeReport {
  targetLufs: number | null;
  ceilingDbtp: number;
  before: Loudness;
  after: Loudness;
  /** The gain applied before limiting, in dB. */
  gainDb: number;
  /** What the safety limiter did; null when gain alone stayed under the ceiling. */
  limiter: { maxReductionDb: number; limitedSamples: number } | null;
}

/** The target in LUFS for a number or preset name (`ERR_INVALID_LOUDNESS_TARGET` otherwise). */
export function resolveTarget(target: number | string): number | null {
  if (typeof target === 'number' && Number.isFinite(target) && target >= -70 && target <= 0) return target;
  if (typeof target === 'string' && Object.hasOwn(LOUDNESS_PRESETS, target)) return LOUDNESS_PRESETS[target as LoudnessPreset];
  throw invalidArgument('the loudness target', `LUFS from -70 to 0 or one of ${Object.keys(LOUDNESS_PRESETS).join(', ')}`, target, 'ERR_INVALID_LOUDNESS_TARGET');
}

function scaled(channels: Float32Array[], gainDb: number): Float32Array[] {
  const gain = 10 ** (gainDb / 20);
  return channels.map((c) => c.map((s) => s * gain));
}

/**
 * Brings `channels` (in place) to the target integrated loudness with a gain stage, and, when
 * that gain would push a true peak over the ceiling, through our true-peak safety limiter;
 * limiting lowers the loudness, so the gain is corrected and the pass repeated. Silence is left
 * as it is.
 */
export function normalizeLoudness(channels: Float32Array[], sampleRate: number, options: NormalizeOptions = {}): NormalizeReport {
  requireChannels(channels, 'channels');
  requireNumber(sampleRate, 'sampleRate', 'ERR_INVALID_SAMPLE_RATE');
  const targetLufs = resolveTarget(options.target ?? 'streaming');
  const ceilingDbtp = requireNumber(options.ceilingDbtp ?? -1, 'ceilingDbtp', 'ERR_INVALID_LOUDNESS_TARGET');
  const before = measureLoudness(channels, sampleRate);
  const report: NormalizeReport = { targetLufs, ceilingDbtp, before, after: before, gainDb: 0, limiter: null };
  if (targetLufs === null || !Number.isFinite(before.integratedLufs)) return report;

  // Limiting takes loudness away, so the gain needed is found by secant steps on the measured
  // result (at most eight passes; two are usual).
  let gainDb = targetLufs - before.integratedLufs;
  let previous: { gainDb: number; lufs: number } | null = null;
  let margin = 0.1;  // the limiter aims a little under the ceiling: its peak estimate is not libebur128's
  let result = channels;
  for (let pass = 0; pass < 8; pass++) {
    report.gainDb = gainDb;
    report.limiter = null;
    result = scaled(channels, gainDb);
    if (before.truePeakDbtp + gainDb <= ceilingDbtp) {
      // Gain alone: every figure moves by the gain (gating is relative), nothing to measure again.
      report.after = {
        integratedLufs: before.integratedLufs + gainDb,
        rangeLu: before.rangeLu,
        samplePeakDbfs: before.samplePeakDbfs + gainDb,
        truePeakDbtp: before.truePeakDbtp + gainDb,
      };
      break;
    }
    report.limiter = native(() =>
      binding.limitTruePeak(result, sampleRate, { ceilingDbtp: ceilingDbtp - margin, lookaheadMs: 1.5, releaseMs: 80 }));
    report.after = measureLoudness(result, sampleRate);
    if (report.after.truePeakDbtp > ceilingDbtp) {
      margin += 0.2;
      continue;
    }
    const lufs = report.after.integratedLufs;
    if (Math.abs(targetLufs - lufs) <= 0.2) break;
    const slope = previous && gainDb !== previous.gainDb ? (lufs - previous.lufs) / (gainDb - previous.gainDb) : 1;
    previous = { gainDb, lufs };
    gainDb += (targetLufs - lufs) / Math.min(1, Math.max(0.05, slope));
  }
  if (report.after.truePeakDbtp > ceilingDbtp) {
    // The passes did not settle (pathological material): a plain trim keeps the promise.
    result = scaled(result, ceilingDbtp - report.after.truePeakDbtp - 0.05);
    report.after = measureLoudness(result, sampleRate);
  }
  result.forEach((channel, c) => channels[c]!.set(channel));
  return report;
}
