// Shared fixtures: where the test plugins are, deterministic signals, and sample comparisons.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const testBundle = join(root, 'build', 'test-plugins', 'MixchainTest.vst3');
export const fxBundle = join(root, 'build', 'plugins', 'MixchainFX.vst3');
export const zamFolder = '/usr/lib/vst3';

if (!existsSync(testBundle)) throw new Error(`Build the test plugins first (npm run build:native): ${testBundle} is missing`);

export { testSignal } from './fixtures/signal.mjs';

export function peak(channels: Float32Array[]): number {
  let max = 0;
  for (const channel of channels) for (const s of channel) max = Math.max(max, Math.abs(s));
  return max;
}

export function rms(channel: Float32Array): number {
  let sum = 0;
  for (const s of channel) sum += s * s;
  return Math.sqrt(sum / channel.length);
}

export function countNonFinite(channels: Float32Array[]): number {
  let count = 0;
  for (const channel of channels) for (const s of channel) if (!Number.isFinite(s)) count++;
  return count;
}

/** Index of the first sample where `a` and `b` differ, or -1. */
export function firstDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

/** Magnitude of `frequency` in `signal` (Goertzel), normalised so a full-scale sine reads 1. */
export function magnitudeAt(signal: Float32Array, frequency: number, sampleRate: number): number {
  const w = (2 * Math.PI * frequency) / sampleRate;
  const coefficient = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (const x of signal) {
    const s0 = x + coefficient * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coefficient * s1 * s2;
  return (2 * Math.sqrt(Math.max(0, power))) / signal.length;
}

/** The 44-byte header of a 16-bit PCM WAV that promises `dataBytes` of audio (for broken-file tests). */
export function wavHeader(dataBytes: number, rate = 44100, channels = 2): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * channels * 2, 28);
  header.writeUInt16LE(channels * 2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(dataBytes, 40);
  return header;
}
