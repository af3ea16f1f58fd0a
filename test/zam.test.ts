// Every Debian zam-plugins bundle, hosted for real.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Chain, loadPlugin, type Plugin } from '../src/index.js';
import { countNonFinite, peak, rms, testSignal, zamFolder } from './helpers.js';

const bundles = readdirSync(zamFolder).filter((name) => name.startsWith('Za') && name.endsWith('.vst3')).sort();

describe('zam-plugins', () => {
  it('are all installed (17 bundles)', () => {
    expect(bundles).toHaveLength(17);
  });

  for (const bundle of bundles) {
    it(`${bundle} loads, lists its parameters and renders audio`, async () => {
      await using plugin = await loadPlugin(join(zamFolder, bundle), { maxBlockSize: 512 });
      expect(plugin.info.class.vendor).toBe('Damien Zammit');
      const parameters = plugin.parameters;
      expect(parameters.length).toBeGreaterThanOrEqual(2);
      // DPF's own internals are listed but flagged.
      expect(parameters.find((p) => p.title === 'Buffer Size')).toMatchObject({ hidden: true, readOnly: true });
      // ZamAutoSat has no user parameters at all; every other one has some.
      expect(parameters.some((p) => !p.hidden && !p.readOnly)).toBe(bundle !== 'ZamAutoSat.vst3');
      const result = new Chain([plugin]).render(testSignal(44100), { tail: 0.5 });
      expect(countNonFinite(result.channels)).toBe(0);
      expect(peak(result.channels)).toBeGreaterThan(1e-3);
    });
  }
});

describe('real chains', () => {
  const open: Plugin[] = [];
  afterAll(async () => {
    await Promise.all(open.map((p) => p.closeAsync()));
  });

  it('ZaMaximX2 reports 480 samples of latency and the chain output is aligned', async () => {
    const maxim = await loadPlugin('ZaMaximX2', { maxBlockSize: 512 });
    open.push(maxim);
    expect(maxim.latencySamples).toBe(480);
    // Quiet input stays under the limiter's threshold: the output is the input, aligned.
    const input = testSignal(44100).map((c) => c.map((s) => s * 0.1));
    const result = new Chain([maxim]).render(input);
    expect(result.latencySamples).toBe(480);
    for (let c = 0; c < 2; c++) {
      let worst = 0;
      for (let i = 0; i < input[c]!.length; i++) worst = Math.max(worst, Math.abs(result.channels[c]![i]! - input[c]![i]!));
      expect(worst).toBeLessThan(1e-4);
    }
  });

  it('ZamVerb changes the signal (it got full blocks) and rings past the input', async () => {
    for (const block of [512, 4096, 8192]) {
      const verb = await loadPlugin('ZamVerb', { maxBlockSize: block });
      open.push(verb);
      const input = testSignal(44100);
      const result = new Chain([verb]).render(input, { tail: 'auto' });
      const difference = result.channels[0]!.subarray(0, 44100).map((s, i) => s - input[0]![i]!);
      expect(rms(difference)).toBeGreaterThan(0.1 * rms(input[0]!));
      expect(result.tailFrames).toBeGreaterThan(0.2 * 44100);
    }
  });

  it('sets parameters as displayed (dB, %, list text) and reads them back', async () => {
    const verb = await loadPlugin('ZamVerb');
    open.push(verb);
    verb.setParameter('Wet / Dry', 30);
    expect(verb.getParameter('wet / dry').plain).toBeCloseTo(30, 4);
    verb.setParameter('Master level', -6.5);
    expect(verb.getParameter('Master level').plain).toBeCloseTo(-6.5, 4);
    const comp = await loadPlugin('ZamCompX2');
    open.push(comp);
    comp.setParameter('Threshold', -20);
    expect(comp.getParameter('Threshold').text).toMatch(/^-20\.0/);
    comp.setParameter('Ratio', 0.5, { normalized: true });
    expect(comp.getParameter('Ratio').normalized).toBeCloseTo(0.5, 6);
  });

  it('the vocal chain renders with the latency of its limiter compensated', async () => {
    const chain = await Chain.load(['ZamGateX2', 'ZamEQ2', 'ZamCompX2', 'ZamVerb', 'ZaMaximX2'], { maxBlockSize: 1024 });
    open.push(...chain.plugins);
    expect(chain.latencySamples).toBe(480);
    const result = chain.render(testSignal(2 * 44100), { tail: 'auto' });
    expect(countNonFinite(result.channels)).toBe(0);
    expect(result.channels[0]!.length).toBe(2 * 44100 + result.tailFrames);
    expect(peak(result.channels)).toBeGreaterThan(0.01);
  });
});
