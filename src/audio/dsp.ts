import { binding } from '../native/binding.js';
import { native, nativeAsync } from '../errors.js';
import { requireChannels, requireNumber } from '../validate.js';

/** Loudness per ITU-R BS.1770 / EBU R128. */
export interface Loudness {
  /** Integrated loudness in LUFS; -Infinity for silence. */
  integratedLufs: number;
  /** Loudness range in LU. */
  rangeLu: number;
  samplePeakDbfs: number;
  /** True peak (4× oversampled) in dBTP. */
  truePeakDbtp: number;
}

/** Measures integrated loudness, loudness range, sample peak and true peak (libebur128). */
export function measureLoudness(channels: Float32Array[], sampleRate: number): Loudness {
  requireChannels(channels, 'channels');
  requireNumber(sampleRate, 'sampleRate', 'ERR_INVALID_SAMPLE_RATE');
  return native(() => binding.measureLoudness(channels, sampleRate));
}

/** Converts planar float audio between sample rates (libsoxr, high quality: 20-bit, linear phase). */
export function resample(channels: Float32Array[], fromRate: number, toRate: number): Float32Array[] {
  requireChannels(channels, 'channels');
  requireNumber(fromRate, 'fromRate', 'ERR_INVALID_SAMPLE_RATE');
  requireNumber(toRate, 'toRate', 'ERR_INVALID_SAMPLE_RATE');
  return native(() => binding.resample(channels, fromRate, toRate));
}

/** {@link measureLoudness} on a thread of its own (the channels are copied first). */
export async function measureLoudnessAsync(channels: Float32Array[], sampleRate: number): Promise<Loudness> {
  requireChannels(channels, 'channels');
  requireNumber(sampleRate, 'sampleRate', 'ERR_INVALID_SAMPLE_RATE');
  return nativeAsync(() => binding.measureLoudnessAsync(channels, sampleRate));
}

/** {@link resample} on a thread of its own (the channels are copied first). */
export async function resampleAsync(channels: Float32Array[], fromRate: number, toRate: number): Promise<Float32Array[]> {
  requireChannels(channels, 'channels');
  requireNumber(fromRate, 'fromRate', 'ERR_INVALID_SAMPLE_RATE');
  requireNumber(toRate, 'toRate', 'ERR_INVALID_SAMPLE_RATE');
  return nativeAsync(() => binding.resampleAsync(channels, fromRate, toRate));
}
