// Our own effects (MixchainFX.vst3), tested like any product code.
import { describe, expect, it } from 'vitest';
import { Chain, loadPluginSync } from '../src/index.js';
import { firstDifference, fxBundle, magnitudeAt, peak, rms, testSignal } from './helpers.js';

const rate = 44100;

function sine(frequency: number, seconds: number, amplitude = 0.5): Float32Array {
  return Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) => amplitude * Math.sin((2 * Math.PI * frequency * i) / rate));
}

function render(className: string, parameters: Record<string, number>, input: Float32Array[]) {
  const plugin = loadPluginSync(fxBundle, { className, maxBlockSize: 1024 });
  try {
    plugin.setParameters(parameters);
    return new Chain([plugin]).render(input, { tail: 0 }).channels;
  } finally {
    plugin.close();
  }
}

describe('Mixchain Doubler', () => {
  it('passes the input untouched at Mix 0', () => {
    const input = testSignal(rate);
    const out = render('Mixchain Doubler', { Mix: 0 }, input);
    for (let c = 0; c < 2; c++) expect(firstDifference(out[c]!, input[c]!)).toBe(-1);
  });

  it('adds two late, drifting takes, one on each side', () => {
    const mono = testSignal(2 * rate)[0]!;
    const out = render('Mixchain Doubler', { Mix: 50, Delay: 18 }, [mono, Float32Array.from(mono)]);
    const wetLeft = out[0]!.map((s, i) => s - mono[i]!);
    const wetRight = out[1]!.map((s, i) => s - mono[i]!);
    // Nothing before the shortest delay (18 ms − 1.2 ms depth), then the takes.
    const earliest = Math.floor(0.0168 * rate) - 1;
    expect(peak([wetLeft.subarray(0, earliest)])).toBe(0);
    expect(rms(wetLeft)).toBeGreaterThan(0.2 * rms(mono));
    // Different takes per side: a mono input comes out wide.
    const sideEnergy = rms(out[0]!.map((s, i) => s - out[1]![i]!));
    expect(sideEnergy).toBeGreaterThan(0.1 * rms(mono));
    expect(firstDifference(wetLeft, wetRight)).not.toBe(-1);
  });

  it('detunes: the drifting delay spreads a steady tone around its pitch', () => {
    const tone = sine(440, 4);
    const wetOf = (parameters: Record<string, number>) => {
      const out = render('Mixchain Doubler', { Mix: 100, Spread: 100, ...parameters }, [tone, Float32Array.from(tone)]);
      return out[0]!.map((s, i) => s - tone[i]!).subarray(rate);
    };
    const steady = wetOf({ Depth: 0 });
    const drifting = wetOf({ Depth: 5, Rate: 1 });
    // The same energy, but no longer all at 440 Hz: the takes are off pitch by up to ~14 Hz.
    expect(rms(drifting) / rms(steady)).toBeGreaterThan(0.8);
    expect(magnitudeAt(drifting, 440, rate)).toBeLessThan(0.7 * magnitudeAt(steady, 440, rate));
    expect(peak([drifting])).toBeLessThan(1.5);
  });
});

describe('Mixchain Robot', () => {
  it('ring-modulates: a 440 Hz tone moves to 440 ± carrier', () => {
    const tone = sine(440, 2);
    const out = render('Mixchain Robot', { Carrier: 50, Resonance: 0, Mix: 100 }, [tone, Float32Array.from(tone)])[0]!;
    const body = out.subarray(rate / 2);
    expect(magnitudeAt(body, 390, rate)).toBeGreaterThan(0.2);
    expect(magnitudeAt(body, 490, rate)).toBeGreaterThan(0.2);
    expect(magnitudeAt(body, 440, rate)).toBeLessThan(0.01);
  });

  it('rings on one pitch: with resonance, energy gathers on the harmonics of Pitch', () => {
    const voice = testSignal(2 * rate);
    const dry = render('Mixchain Robot', { Resonance: 0, Carrier: 60 }, voice)[0]!.subarray(rate / 2);
    const wet = render('Mixchain Robot', { Resonance: 90, Carrier: 60, Pitch: 100 }, voice)[0]!.subarray(rate / 2);
    const harmonic = (s: Float32Array) => magnitudeAt(s, 300, rate) / rms(s);
    const between = (s: Float32Array) => magnitudeAt(s, 350, rate) / rms(s);
    expect(harmonic(wet) / between(wet)).toBeGreaterThan(3 * (harmonic(dry) / between(dry)));
  });

  it('passes the input at Mix 0', () => {
    const input = testSignal(rate);
    const out = render('Mixchain Robot', { Mix: 0 }, input);
    for (let c = 0; c < 2; c++) expect(firstDifference(out[c]!, input[c]!)).toBe(-1);
  });
});
