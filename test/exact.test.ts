// Exact assertions against our own deterministic test plugins.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Chain, loadPlugin, loadPluginSync, type Plugin } from '../src/index.js';
import { firstDifference, testBundle, testSignal } from './helpers.js';

const open: Plugin[] = [];
function plugin(className: string, options: Parameters<typeof loadPluginSync>[1] = {}): Plugin {
  const p = loadPluginSync(testBundle, { className, ...options });
  open.push(p);
  return p;
}
afterAll(() => {
  for (const p of open) if (!p.closed) p.close();
});

/** What the Gain plugin computes: in × float(10^(dB/20)), dB from the normalized value. */
function expectedGain(input: Float32Array, normalized: number): Float32Array {
  const dB = -60 + normalized * 84;
  const factor = Math.fround(10 ** (dB / 20));
  return input.map((x) => Math.fround(x * factor));
}

describe('gain', () => {
  it('is bit-exact at the value set by display units', () => {
    const gain = plugin('Mixchain Gain');
    gain.setParameter('gain', -6);
    const { normalized, text } = gain.getParameter('Gain');
    expect(text).toBe('-6.0000');
    const input = testSignal(10_000);
    const out = new Chain([gain]).render(input).channels;
    expect(out).toHaveLength(2);
    for (let c = 0; c < 2; c++) expect(firstDifference(out[c]!, expectedGain(input[c]!, normalized))).toBe(-1);
  });

  it('runs a mono-only plugin dual-mono on stereo, each side exact', () => {
    const gain = plugin('Mixchain Gain Mono');
    expect(gain.info.layout).toBe('dual-mono');
    gain.setParameter('Gain', 12);
    const { normalized } = gain.getParameter('Gain');
    const input = testSignal(5000);
    const out = new Chain([gain]).render(input).channels;
    for (let c = 0; c < 2; c++) expect(firstDifference(out[c]!, expectedGain(input[c]!, normalized))).toBe(-1);
  });

  it('lands automation on the exact sample', () => {
    const gain = plugin('Mixchain Gain', { maxBlockSize: 512 });
    gain.automate('Gain', [
      { sample: 1000, value: -6 },
      { sample: 1536, value: 6 }, // on a block boundary
      { sample: 1537, value: 0 },
    ]);
    const input = [new Float32Array(3000).fill(0.5), new Float32Array(3000).fill(0.25)];
    const out = new Chain([gain]).render(input).channels[0]!;
    const minus6 = Math.fround(0.5 * Math.fround(10 ** ((-60 + gain.normalize('Gain', -6) * 84) / 20)));
    const plus6 = Math.fround(0.5 * Math.fround(10 ** ((-60 + gain.normalize('Gain', 6) * 84) / 20)));
    expect(out[999]).toBe(0.5);
    expect(out[1000]).toBe(minus6);
    expect(out[1535]).toBe(minus6);
    expect(out[1536]).toBe(plus6);
    expect(out[1537]).toBe(0.5);
    expect(out[2999]).toBe(0.5);
  });
});

describe('latency compensation', () => {
  for (const block of [64, 128, 256, 512, 1024, 2048, 4096]) {
    it(`restores the input sample-exactly at block ${block}`, () => {
      const delay = plugin('Mixchain Latency', { maxBlockSize: block });
      delay.setParameter('Latency', 300);
      const chain = new Chain([delay]);
      const input = testSignal(7777);
      const result = chain.render(input);
      expect(result.latencySamples).toBe(300);
      for (let c = 0; c < 2; c++) expect(firstDifference(result.channels[c]!, input[c]!)).toBe(-1);
    });
  }

  it('aligns a chain of several latency plugins, bypassed ones included', () => {
    const latencies = [100, 333, 1, 2048];
    const plugins = latencies.map((n) => {
      const p = plugin('Mixchain Latency', { maxBlockSize: 256 });
      p.setParameter('Latency', n);
      return p;
    });
    const chain = new Chain(plugins);
    const input = testSignal(20_000);
    let result = chain.render(input);
    expect(result.latencySamples).toBe(latencies.reduce((a, b) => a + b));
    for (let c = 0; c < 2; c++) expect(firstDifference(result.channels[c]!, input[c]!)).toBe(-1);

    chain.setBypass(1, true);
    expect(chain.isBypassed(1)).toBe(true);
    result = chain.render(input);
    for (let c = 0; c < 2; c++) expect(firstDifference(result.channels[c]!, input[c]!)).toBe(-1);
  });

  it('re-reads latency when the plugin asks for a restart', () => {
    const delay = plugin('Mixchain Latency');
    expect(delay.latencySamples).toBe(100);
    delay.setParameter('Latency', 777);
    delay.reset();
    expect(delay.latencySamples).toBe(777);
  });
});

describe('state and presets', () => {
  it('round-trips the state blob bit-exactly into a fresh instance', () => {
    const a = plugin('Mixchain Gain');
    a.setParameter('Gain', -13.5);
    const state = a.getState();
    const b = plugin('Mixchain Gain');
    b.setState(state);
    expect(b.getParameter('Gain')).toEqual(a.getParameter('Gain'));
    expect(Buffer.from(b.getState()).equals(Buffer.from(state))).toBe(true);
    const input = testSignal(4096);
    const outA = new Chain([a]).render(input).channels;
    const outB = new Chain([b]).render(input).channels;
    for (let c = 0; c < 2; c++) expect(firstDifference(outA[c]!, outB[c]!)).toBe(-1);
  });

  it('round-trips .vstpreset files and checks their header', () => {
    const folder = mkdtempSync(join(tmpdir(), 'mixchain-preset-'));
    const file = join(folder, 'tail.vstpreset');
    const a = plugin('Mixchain Tail');
    a.setParameter('Length', 123);
    a.savePreset(file);
    const bytes = readFileSync(file);
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('VST3');
    expect(bytes.readInt32LE(4)).toBe(1);
    expect(bytes.subarray(8, 40).toString('latin1')).toBe(a.info.class.id);
    const b = plugin('Mixchain Tail');
    b.loadPreset(file);
    expect(b.getParameter('Length').normalized).toBe(a.getParameter('Length').normalized);
    expect(Buffer.from(b.getState()).equals(Buffer.from(a.getState()))).toBe(true);
  });

  it("refuses another plugin's state and preset", () => {
    const gain = plugin('Mixchain Gain');
    const tail = plugin('Mixchain Tail');
    expect(() => tail.setState(gain.getState())).toThrow(expect.objectContaining({ code: 'ERR_STATE_CLASS_MISMATCH' }));
    const file = join(mkdtempSync(join(tmpdir(), 'mixchain-preset-')), 'gain.vstpreset');
    gain.savePreset(file);
    expect(() => tail.loadPreset(file)).toThrow(expect.objectContaining({ code: 'ERR_PRESET_CLASS_MISMATCH' }));
    const garbage = join(mkdtempSync(join(tmpdir(), 'mixchain-preset-')), 'garbage.vstpreset');
    writeFileSync(garbage, 'not a preset at all');
    expect(() => tail.loadPreset(garbage)).toThrow(expect.objectContaining({ code: 'ERR_PRESET_INVALID' }));
    expect(() => tail.setState(new Uint8Array([1, 2, 3]))).toThrow(expect.objectContaining({ code: 'ERR_STATE_INVALID' }));
  });
});

describe('tails', () => {
  it('renders exactly the samples the plugin rings, with tail auto', () => {
    const tail = plugin('Mixchain Tail', { maxBlockSize: 512 });
    // An echo that starts before the input ends: auto stops at the first 100 ms of silence.
    tail.setParameter('Length', 50);
    const echo = Math.round(0.05 * 44100);
    const input = testSignal(3000);
    const result = new Chain([tail]).render(input, { tail: 'auto' });
    // out[n] = in[n] + 0.5 in[n - echo]: the last non-silent output sample is the echo of the
    // last input sample above -90 dBFS (×0.5).
    let lastLoud = 0;
    for (let i = 0; i < 3000; i++) if (Math.abs(input[0]![i]!) * 0.5 > 10 ** (-90 / 20) || Math.abs(input[1]![i]!) * 0.5 > 10 ** (-90 / 20)) lastLoud = i;
    expect(result.tailFrames).toBe(lastLoud + echo + 1 - 3000);
    expect(result.channels[0]).toHaveLength(3000 + result.tailFrames);
    expect(result.channels[0]![lastLoud + echo]).toBe(Math.fround(0.5 * input[0]![lastLoud]!));
  });

  it('renders a tail of fixed seconds, and none by default', () => {
    const tail = plugin('Mixchain Tail');
    const chain = new Chain([tail]);
    expect(chain.render(testSignal(1000)).channels[0]).toHaveLength(1000);
    expect(chain.render(testSignal(1000), { tail: 0.5 }).channels[0]).toHaveLength(1000 + 22050);
  });

  it('resets between renders without re-creating the plugin', () => {
    const tail = plugin('Mixchain Tail');
    const chain = new Chain([tail]);
    const input = testSignal(20_000);
    const first = chain.render(input).channels;
    const second = chain.render(input).channels;
    for (let c = 0; c < 2; c++) expect(firstDifference(first[c]!, second[c]!)).toBe(-1);
  });
});

describe('streaming', () => {
  it('processes block streams in place, equal to the offline render shifted by the latency', async () => {
    const a = await loadPlugin(testBundle, { className: 'Mixchain Latency', maxBlockSize: 256 });
    open.push(a);
    const input = testSignal(256 * 8);
    const stream = input.map((c) => Float32Array.from(c));
    a.reset();
    a.process(stream);
    expect(Array.from(stream[0]!.subarray(0, 100))).toEqual(new Array(100).fill(0));
    expect(firstDifference(stream[0]!.subarray(100), input[0]!.subarray(0, 256 * 8 - 100))).toBe(-1);
  });
});
