// Crash attribution: a plugin that segfaults in any call the host makes into it (module entry,
// factory, create, initialize, connect, set-up, activation, state, controller, process, flushes
// of parameter edits) fails the render that made the call, once, with
// ERR_WORKER_CRASHED naming the plugin, the signal and the phase; the render beside it completes
// bit-exactly and the pool renders on.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, loadPluginSync, type ChainSlot } from '../src/index.js';
import { audio, Containment, gain, until } from './fixtures/pool.js';
import { root, testBundle } from './helpers.js';

const testPlugin = (name: string) => join(root, 'build', 'test-plugins', `${name}.vst3`);
const crashing = (className: string): ChainSlot => ({ plugin: testBundle, className });
const misbehave = (parameters: Record<string, string | number>): ChainSlot => ({ plugin: testBundle, className: 'Mixchain Misbehave', parameters });
const scratch = mkdtempSync(join(tmpdir(), 'mixchain-crash-test-'));

/** A .vstpreset of the plugin that crashes in setState: loading it in a chain crashes there. */
function setStatePreset(): string {
  const path = join(scratch, 'crash-in-set-state.vstpreset');
  const plugin = loadPluginSync(testBundle, { className: 'Mixchain Crash In Set State' });
  try {
    plugin.savePreset(path);
  } finally {
    plugin.close();
  }
  return path;
}

interface Case {
  phase: string;
  plugin: string;
  slots: () => ChainSlot[];
}

const cases: Case[] = [
  { phase: 'module', plugin: 'MixchainCrashOnEntry.vst3', slots: () => [{ plugin: testPlugin('MixchainCrashOnEntry') }] },
  { phase: 'factory', plugin: 'MixchainCrashOnFactory.vst3', slots: () => [{ plugin: testPlugin('MixchainCrashOnFactory') }] },
  { phase: 'create', plugin: 'Mixchain Crash In Create', slots: () => [crashing('Mixchain Crash In Create')] },
  { phase: 'initialize', plugin: 'Mixchain Crash In Initialize', slots: () => [crashing('Mixchain Crash In Initialize')] },
  { phase: 'connect', plugin: 'Mixchain Crash In Connect', slots: () => [crashing('Mixchain Crash In Connect')] },
  { phase: 'setupProcessing', plugin: 'Mixchain Crash In Setup', slots: () => [crashing('Mixchain Crash In Setup')] },
  { phase: 'setActive', plugin: 'Mixchain Crash In Activate', slots: () => [crashing('Mixchain Crash In Activate')] },
  { phase: 'getState', plugin: 'Mixchain Crash In Get State', slots: () => [crashing('Mixchain Crash In Get State')] },
  { phase: 'setState', plugin: 'Mixchain Crash In Set State', slots: () => [{ ...crashing('Mixchain Crash In Set State'), preset: setStatePreset() }] },
  { phase: 'controller', plugin: 'Mixchain Crash In Controller', slots: () => [crashing('Mixchain Crash In Controller')] },
  // Misbehave crashes once `After` seconds went through it: with 0, already in the block of
  // silence that carries its parameter edits before the render.
  { phase: 'flush', plugin: 'Mixchain Misbehave', slots: () => [misbehave({ Fault: 'crash', After: 0 })] },
  { phase: 'process', plugin: 'Mixchain Misbehave', slots: () => [misbehave({ Fault: 'crash', After: 0.2 })] },
];

describe('crash attribution through the render pool (process isolation)', () => {
  let check: Containment;

  beforeAll(async () => {
    check = await Containment.start({ renderTimeoutMs: 4000 });
  });
  afterAll(async () => {
    await check.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it.each(cases)('a segfault in $phase fails its render once, naming $plugin; the render beside it and the next 20 complete', async ({ phase, plugin, slots }) => {
    const before = check.pool.stats();
    const error = await check.failBeside([...gain, ...slots()]);
    expect(error.code).toBe('ERR_WORKER_CRASHED');
    expect(error.details).toEqual({ plugin, phase, signal: 'SIGSEGV' });
    expect(error.message).toBe(`Plugin '${plugin}' crashed the worker (SIGSEGV) in ${phase} during this render; the worker was replaced and the render not retried`);
    // One crash: the guilty render was not tried again on another worker.
    const after = check.pool.stats();
    expect(after.crashes).toBe(before.crashes + 1);
    expect(after.failed.ERR_WORKER_CRASHED).toBe((before.failed.ERR_WORKER_CRASHED ?? 0) + 1);
    await check.rendersOn();
  });

  it('names the plugin and the phase a hung render was stopped in', async () => {
    const error = await check.failBeside([...gain, misbehave({ Fault: 'hang', After: 0.1 })]);
    expect(error.code).toBe('ERR_RENDER_TIMEOUT');
    expect(error.details).toEqual({ plugin: 'Mixchain Misbehave', phase: 'process', signal: null });
    expect(error.message).toContain("inside plugin 'Mixchain Misbehave' (process)");
    await check.rendersOn();
  });
});

describe('crash attribution while a pool warms its workers', () => {
  it('says which plugin crashed warming, in which phase, and starts the next workers cold', async () => {
    const recipe = { name: 'crashes-warming', roles: { vocal: { plugins: [{ bundle: testBundle, class: 'Mixchain Crash In Activate' }] } } };
    const pool = createPool({ workers: 1, warm: [{ recipe }] });
    try {
      const worker = await until(() => pool.stats().workers.find((w) => w.ready), 'a worker that warmed');
      expect(worker.warmError).toBe(
        "ERR_WORKER_CRASHED: warming crashes-warming ended the worker: plugin 'Mixchain Crash In Activate' crashed it (SIGSEGV) in setActive; workers now start cold",
      );
      const result = await pool.render(gain, audio(0.1));
      expect(result.channels).toHaveLength(2);
    } finally {
      await pool.close();
    }
  });
});
