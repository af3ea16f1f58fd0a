// Resampling (libsoxr) and loudness (libebur128), checked against physics and against ffmpeg.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { measureLoudness, resample, writeAudio } from '../src/index.js';
import { rms, testSignal } from './helpers.js';

function sine(frequency: number, rate: number, seconds: number, amplitude = 0.5): Float32Array {
  return Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) => amplitude * Math.sin((2 * Math.PI * frequency * i) / rate));
}

/** Frequency from interpolated rising zero crossings over the middle of the signal. */
function frequencyOf(signal: Float32Array, rate: number): number {
  const crossings: number[] = [];
  for (let i = Math.floor(signal.length * 0.1); i < signal.length * 0.9; i++) {
    const a = signal[i - 1]!;
    const b = signal[i]!;
    if (a < 0 && b >= 0) crossings.push(i - 1 + a / (a - b));
  }
  return ((crossings.length - 1) * rate) / (crossings.at(-1)! - crossings[0]!);
}

describe('resample', () => {
  it('48k → 44.1k → 48k keeps a sine’s frequency and level', () => {
    const original = sine(1000, 48000, 2);
    const down = resample([original], 48000, 44100);
    expect(down[0]).toHaveLength(88200);
    expect(frequencyOf(down[0]!, 44100)).toBeCloseTo(1000, 2);
    const back = resample(down, 44100, 48000)[0]!;
    expect(back).toHaveLength(96000);
    expect(frequencyOf(back, 48000)).toBeCloseTo(1000, 2);
    const middle = (s: Float32Array) => s.subarray(4800, s.length - 4800);
    expect(20 * Math.log10(rms(middle(back)) / rms(middle(original)))).toBeCloseTo(0, 2);
  });

  it('keeps an impulse where it was', () => {
    const impulse = new Float32Array(48000);
    impulse[12345] = 1;
    const back = resample(resample([impulse], 48000, 44100), 44100, 48000)[0]!;
    let at = 0;
    for (let i = 0; i < back.length; i++) if (Math.abs(back[i]!) > Math.abs(back[at]!)) at = i;
    expect(at).toBe(12345);
    // Band-limited to the lower rate's Nyquist, so part of the click's energy is gone by design.
    expect(back[at]).toBeGreaterThan(0.8);
  });

  it('rejects impossible rates with a code', () => {
    expect(() => resample([new Float32Array(10)], 0, 44100)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_SAMPLE_RATE' }));
  });
});

describe('measureLoudness', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'mixchain-loudness-'));

  /** ffmpeg's ebur128 filter on the same samples: integrated loudness, range and true peak. */
  function ffmpegLoudness(channels: Float32Array[], rate: number) {
    const file = join(scratch, `signal-${Math.random().toString(36).slice(2)}.wav`);
    writeAudio(file, channels, rate, { sampleType: 'float' });
    // Mono is measured as heard on both speakers (BS.1770 dual mono), on both sides.
    const filter = `ebur128=peak=true${channels.length === 1 ? ':dualmono=true' : ''}`;
    const log = execFileSync('sh', ['-c', `ffmpeg -nostats -hide_banner -i '${file}' -filter_complex ${filter} -f null - 2>&1`], { encoding: 'utf8' });
    const summary = log.slice(log.lastIndexOf('Summary:'));
    return {
      integrated: Number(/I:\s+(-?[\d.]+) LUFS/.exec(summary)![1]),
      range: Number(/LRA:\s+(-?[\d.]+) LU/.exec(summary)![1]),
      truePeak: Number(/Peak:\s+(-?[\d.]+) dBFS/.exec(summary)![1]),
    };
  }

  const signals: Array<[string, Float32Array[], number]> = [
    ['a 1 kHz stereo sine at -20 dBFS', [sine(1000, 48000, 5, 0.1), sine(1000, 48000, 5, 0.1)], 48000],
    ['the decaying chord test signal', testSignal(44100 * 6), 44100],
    ['a mono 100 Hz sine', [sine(100, 44100, 4, 0.3)], 44100],
    ['a signal with a loud and a quiet half', [Float32Array.from(testSignal(44100 * 8)[0]!, (s, i) => (i < 44100 * 4 ? s : s * 0.1)), Float32Array.from(testSignal(44100 * 8)[1]!, (s, i) => (i < 44100 * 4 ? s : s * 0.1))], 44100],
  ];
  for (const [name, channels, rate] of signals) {
    it(`agrees with ffmpeg's ebur128 within 0.1 LU on ${name}`, () => {
      const ours = measureLoudness(channels, rate);
      const theirs = ffmpegLoudness(channels, rate);
      expect(Math.abs(ours.integratedLufs - theirs.integrated)).toBeLessThanOrEqual(0.1);
      expect(Math.abs(ours.rangeLu - theirs.range)).toBeLessThanOrEqual(0.2);
      expect(Math.abs(ours.truePeakDbtp - theirs.truePeak)).toBeLessThanOrEqual(0.2);
    });
  }

  it('knows the reference: a 997 Hz stereo sine peaking at -18 dBFS reads -18 LUFS; silence reads -Infinity', () => {
    const amplitude = 10 ** (-18 / 20);
    const measured = measureLoudness([sine(997, 48000, 5, amplitude), sine(997, 48000, 5, amplitude)], 48000);
    // BS.1770's -0.691 offset cancels the K-filter's gain at 997 Hz: each channel contributes
    // A²/2, the two sum to A², i.e. the peak level.
    expect(measured.integratedLufs).toBeCloseTo(-18, 1);
    expect(measured.samplePeakDbfs).toBeCloseTo(-18, 1);
    expect(measureLoudness([new Float32Array(48000)], 48000).integratedLufs).toBe(-Infinity);
  });
});
