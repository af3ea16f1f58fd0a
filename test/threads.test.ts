// The addon in worker threads: each thread its own plugins, rendering in parallel; a worker
// terminated mid-render takes nothing down and leaves no plugin behind.
import { once } from 'node:events';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { Chain, liveInstances, loadPluginSync } from '../src/index.js';
import { firstDifference, root, testBundle, testSignal } from './helpers.js';

const workerScript = join(root, 'test', 'fixtures', 'render-worker.mjs');
const slots = [
  { plugin: testBundle, className: 'Mixchain Gain', parameters: { Gain: -3 } },
  { plugin: 'ZamCompX2', parameters: { Threshold: -24, Ratio: 4 } },
  { plugin: 'ZamVerb', parameters: { 'Wet / Dry': 25 } },
  { plugin: testBundle, className: 'Mixchain Latency', parameters: { Latency: 77 } },
];

function serialRender(input: Float32Array[]): Float32Array[] {
  const plugins = slots.map(({ plugin, className, parameters }) => {
    const p = loadPluginSync(plugin, { ...(className ? { className } : {}), maxBlockSize: 512 });
    p.setParameters(parameters);
    return p;
  });
  const chain = new Chain(plugins);
  try {
    return chain.render(input, { tail: 0.25 }).channels;
  } finally {
    chain.close();
  }
}

describe('worker threads', () => {
  it('two workers with their own chains render in parallel, identical to a serial render', async () => {
    const input = testSignal(3 * 44100);
    const expected = serialRender(input);
    const workers = [0, 1].map(() => new Worker(workerScript, { workerData: { slots, input, mode: 'once' } }));
    const results = await Promise.all(workers.map(async (w) => (await once(w, 'message'))[0] as Float32Array[]));
    await Promise.all(workers.map((w) => w.terminate()));
    for (const result of results) {
      for (let c = 0; c < 2; c++) expect(firstDifference(result[c]!, expected[c]!)).toBe(-1);
    }
  });

  it('terminating a worker mid-render neither crashes the process nor leaks plugins', async () => {
    const before = liveInstances();
    const worker = new Worker(workerScript, { workerData: { slots, input: testSignal(20 * 44100), mode: 'forever' } });
    const [message] = await once(worker, 'message');
    expect(message).toBe('rendering');
    expect(liveInstances()).toBeGreaterThan(before);
    await worker.terminate();
    expect(liveInstances()).toBe(before);
    // The addon still works in this thread afterwards.
    expect(serialRender(testSignal(4096))[0]).toHaveLength(4096 + 11025);
  });
});
