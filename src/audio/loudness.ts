import { binding } from '../native/binding.js';
import { invalidArgument, native } from '../errors.js';
import type { Loudness } from './dsp.js';
import { requireChannels, requireNumber } from '../validate.js';

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

/**
 * Brings `channels` (in place) to the target integrated loudness with a gain stage, and, when
 * that gain would push a true peak over the ceiling, through our true-peak safety limiter;
 * limiting lowers the loudness, so the gain is corrected and the pass repeated. Silence is left
 * as it is. Runs natively; the figures are libebur128's.
 */
export function normalizeLoudness(channels: Float32Array[], sampleRate: number, options: NormalizeOptions = {}): NormalizeReport {
  requireChannels(channels, 'channels');
  requireNumber(sampleRate, 'sampleRate', 'ERR_INVALID_SAMPLE_RATE');
  const targetLufs = resolveTarget(options.target ?? 'streaming');
  const ceilingDbtp = requireNumber(options.ceilingDbtp ?? -1, 'ceilingDbtp', 'ERR_INVALID_LOUDNESS_TARGET');
  const result = native(() => binding.normalizeLoudness(channels, sampleRate, targetLufs, ceilingDbtp));
  return { targetLufs, ceilingDbtp, ...result };
}
