// A JUCE-wrapped plugin (MixchainJuce.vst3, built from Debian's JUCE 7 with JUCE's VST3 wrapper,
// as every HISE export is): parameters known only by their text, a reported latency, state and
// presets, and each of its faults through the render pool, named with the plugin and the phase.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Chain, loadPluginSync, readAudio, writeAudio, type ChainSlot } from '../src/index.js';
import { Containment, expectSame, gain, RATE } from './fixtures/pool.js';
import { firstDifference, root, testSignal } from './helpers.js';

const run = promisify(execFile);
const juceBundle = join(root, 'build', 'test-plugins', 'MixchainJuce.vst3');
const LATENCY = 64;
const juce = (parameters: Record<string, string | number> = {}): ChainSlot => ({ plugin: juceBundle, parameters });
const scratch = mkdtempSync(join(tmpdir(), 'mixchain-juce-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('a JUCE-wrapped plugin in the host', () => {
  it('plugins info shows its parameters with units read from their text, and its latency', async () => {
    const { stdout } = await run(process.execPath, [join(root, 'dist', 'cli', 'main.js'), 'plugins', 'info', juceBundle, '--json']);
    const info = JSON.parse(stdout) as { plugin: { latencySamples: number; class: { name: string } }; parameters: Array<Record<string, unknown>> };
    expect(info.plugin.class.name).toBe('Mixchain Juce');
    expect(info.plugin.latencySamples).toBe(LATENCY);
    const gainInfo = info.parameters.find((p) => p.title === 'Gain');
    expect(gainInfo).toMatchObject({ units: 'dB', min: '-60.0 dB', max: '24.0 dB', default: '0.0 dB' });
    const fault = info.parameters.find((p) => p.title === 'Fault');
    expect(fault).toMatchObject({ stepCount: 5, default: 'none' });
  });

  it('--set 0:Gain=6 gives exactly +6 dB, aligned sample for sample', async () => {
    const input = join(scratch, 'in.wav');
    const output = join(scratch, 'out.wav');
    const signal = testSignal(RATE, RATE, 2);
    writeAudio(input, signal, RATE, { sampleType: 'float' });
    await run(process.execPath, [join(root, 'dist', 'cli', 'main.js'), 'render', input, '-o', output, '--chain', juceBundle, '--set', '0:Gain=6', '--sample-type', 'float']);
    const factor = Math.fround(10 ** (6 / 20));
    const expected = signal.map((channel) => channel.map((s) => Math.fround(s * factor)));
    const { channels } = readAudio(output);
    expected.forEach((channel, c) => expect(firstDifference(channels[c]!, channel)).toBe(-1));
  });

  it('has its latency compensated sample-exactly in a chain', async () => {
    const signal = testSignal(RATE / 2, RATE, 2);
    const chain = await Chain.load([juce(), juce()], { sampleRate: RATE, channels: 2 });
    try {
      const result = await chain.renderAsync(signal);
      expect(result.latencySamples).toBe(2 * LATENCY);
      signal.forEach((channel, c) => expect(firstDifference(result.channels[c]!, channel)).toBe(-1));
    } finally {
      await chain.closeAsync();
    }
  });

  it('round-trips its state and .vstpreset files', async () => {
    const source = loadPluginSync(juceBundle);
    const restored = loadPluginSync(juceBundle);
    const fromPreset = loadPluginSync(juceBundle);
    try {
      source.setParameter('Gain', -7.5);
      const preset = join(scratch, 'gain.vstpreset');
      source.savePreset(preset);
      restored.setState(source.getState());
      fromPreset.loadPreset(preset);
      for (const plugin of [restored, fromPreset]) {
        expect(plugin.getParameter('Gain').text).toBe('-7.5 dB');
        expect(plugin.getParameter('Fault').text).toBe('none');
      }
      const signal = testSignal(4096, RATE, 2);
      const outputs = await Promise.all([source, restored, fromPreset].map(async (plugin) => {
        const chain = new Chain([plugin]);
        return (await chain.renderAsync(signal)).channels;
      }));
      expectSame(outputs[1], outputs[0]!);
      expectSame(outputs[2], outputs[0]!);
    } finally {
      for (const plugin of [source, restored, fromPreset]) plugin.close();
    }
  });
});

describe('a JUCE-wrapped plugin that fails, through the render pool (process isolation)', () => {
  let check: Containment;

  /** A preset whose state selects the setState fault: restoring it crashes in setStateInformation. */
  function crashingPreset(): string {
    const path = join(scratch, 'crash-on-restore.vstpreset');
    const plugin = loadPluginSync(juceBundle);
    try {
      plugin.setParameter('Fault', 'setState segfault');
      plugin.savePreset(path);
    } finally {
      plugin.close();
    }
    return path;
  }

  beforeAll(async () => {
    check = await Containment.start({ renderTimeoutMs: 4000 });
  });
  afterAll(() => check.close());

  const crashes = [
    { fault: 'process segfault', phase: 'process', slot: () => juce({ Fault: 'process segfault' }) },
    { fault: 'prepare segfault', phase: 'setActive', slot: () => juce({ Fault: 'prepare segfault' }) },
    { fault: 'setState segfault', phase: 'setState', slot: () => ({ plugin: juceBundle, preset: crashingPreset() }) },
  ];

  it.each(crashes)('$fault: ERR_WORKER_CRASHED in $phase naming the plugin, run once; the render beside it and the next 20 complete', async ({ phase, slot }) => {
    const before = check.pool.stats();
    const error = await check.failBeside([...gain, slot()]);
    expect(error.code).toBe('ERR_WORKER_CRASHED');
    expect(error.details).toEqual({ plugin: 'Mixchain Juce', phase, signal: 'SIGSEGV' });
    expect(error.message).toContain(`Plugin 'Mixchain Juce' crashed the worker (SIGSEGV) in ${phase}`);
    expect(check.pool.stats().crashes).toBe(before.crashes + 1);
    await check.rendersOn();
  });

  it('process hang: ERR_RENDER_TIMEOUT naming the plugin and the phase; the render beside it and the next 20 complete', async () => {
    const error = await check.failBeside([...gain, juce({ Fault: 'process hang' })]);
    expect(error.code).toBe('ERR_RENDER_TIMEOUT');
    expect(error.details).toEqual({ plugin: 'Mixchain Juce', phase: 'process', signal: null });
    await check.rendersOn();
  });

  it('nan: ERR_NONFINITE_OUTPUT naming the plugin, the worker kept; the render beside it and the next 20 complete', async () => {
    const restarts = check.pool.stats().restarts;
    const error = await check.failBeside([...gain, juce({ Fault: 'nan' })]);
    expect(error.code).toBe('ERR_NONFINITE_OUTPUT');
    expect(error.message).toContain("'Mixchain Juce'");
    expect(check.pool.stats().restarts).toBe(restarts);
    await check.rendersOn();
  });
});
