// Loudness normalisation: the target within ±0.5 LU, the true peak never over the ceiling.
import { describe, expect, it } from 'vitest';
import { LOUDNESS_PRESETS, measureLoudness, normalizeLoudness, resolveTarget } from '../src/index.js';
import { testSignal } from './helpers.js';

function sine(frequency: number, rate: number, seconds: number, amplitude: number): Float32Array {
  return Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) => amplitude * Math.sin((2 * Math.PI * frequency * i) / rate));
}

/** Sparse, peaky material (clicks over a quiet bed): gain alone would clip it. */
function peaky(rate: number, seconds: number): Float32Array[] {
  const frames = rate * seconds;
  return [0, 1].map((c) => Float32Array.from({ length: frames }, (_, i) => (i % 11025 < 40 ? 0.9 * Math.sin(i * 0.7 + c) : 0.02 * Math.sin((2 * Math.PI * 220 * i) / rate))));
}

describe('normalizeLoudness', () => {
  const cases: Array<[string, () => Float32Array[], number]> = [
    ['the test signal', () => testSignal(44100 * 10), 44100],
    ['a quiet sine', () => [sine(440, 48000, 8, 0.01), sine(440, 48000, 8, 0.01)], 48000],
    ['peaky material that needs the limiter', () => peaky(44100, 10), 44100],
    ['mono speech-like bursts', () => [Float32Array.from(testSignal(44100 * 8)[0]!, (s, i) => (Math.floor(i / 22050) % 3 === 2 ? 0 : s))], 44100],
  ];
  for (const target of [-14, -16, -23]) {
    for (const [name, make, rate] of cases) {
      it(`brings ${name} to ${target} LUFS with true peak ≤ -1 dBTP`, () => {
        const channels = make();
        const report = normalizeLoudness(channels, rate, { target });
        const measured = measureLoudness(channels, rate);
        expect(Math.abs(measured.integratedLufs - target)).toBeLessThanOrEqual(0.5);
        expect(measured.truePeakDbtp).toBeLessThanOrEqual(-1);
        expect(report.after.integratedLufs).toBeCloseTo(measured.integratedLufs, 6);
      });
    }
  }

  it('uses the limiter only when gain alone would cross the ceiling', () => {
    const quiet = [sine(440, 48000, 4, 0.01), sine(440, 48000, 4, 0.01)];
    expect(normalizeLoudness(quiet, 48000, { target: -23 }).limiter).toBeNull();
    const loud = peaky(44100, 10);
    const report = normalizeLoudness(loud, 44100, { target: -14 });
    expect(report.limiter).not.toBeNull();
    expect(report.limiter!.maxReductionDb).toBeLessThan(-3);
  });

  it('leaves the quiet bed untouched away from the limited peaks', () => {
    const rate = 44100;
    const bed = (i: number) => 0.02 * Math.sin((2 * Math.PI * 220 * i) / rate);
    const channels = [0, 1].map(() => Float32Array.from({ length: rate * 4 }, (_, i) => (i >= 22050 && i < 22090 ? 0.95 : bed(i))));
    const report = normalizeLoudness(channels, rate, { target: -14 });
    expect(report.limiter).not.toBeNull();
    const gain = 10 ** (report.gainDb / 20);
    // Well before the click (past the lookahead) and long after it (past the release): gain only.
    for (const i of [10_000, 150_000]) expect(channels[0]![i]).toBeCloseTo(bed(i) * gain, 5);
  });

  it('leaves silence and the none preset alone, and knows its presets', () => {
    const silence = [new Float32Array(44100)];
    expect(normalizeLoudness(silence, 44100).gainDb).toBe(0);
    expect(silence[0]!.every((s) => s === 0)).toBe(true);
    const signal = testSignal(44100);
    const copy = signal.map((c) => Float32Array.from(c));
    normalizeLoudness(signal, 44100, { target: 'none' });
    expect(signal).toEqual(copy);
    expect(resolveTarget('streaming')).toBe(-14);
    expect(resolveTarget('apple')).toBe(-16);
    expect(resolveTarget('podcast')).toBe(-16);
    expect(resolveTarget('broadcast')).toBe(-23);
    expect(Object.keys(LOUDNESS_PRESETS)).toEqual(['streaming', 'apple', 'podcast', 'broadcast', 'none']);
    expect(() => resolveTarget('loud')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_LOUDNESS_TARGET', message: expect.stringMatching(/streaming, apple.*'loud'/) }));
    expect(() => resolveTarget(5)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_LOUDNESS_TARGET' }));
  });
});
