// Bench worker: builds the chain with the addon in this worker thread and times one render of
// the shared test signal, end to end as a library user calls it.
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { Chain, loadPluginSync } from '../../dist/index.js';
import { testSignal } from '../fixtures/signal.mjs';

const { bundles, block, seconds } = workerData;
const frames = Math.floor((seconds * 44100) / block) * block;
const input = testSignal(frames);
const chain = new Chain(bundles.map((bundle) => loadPluginSync(bundle, { maxBlockSize: block })));
const start = performance.now();
const result = chain.render(input);
const wallSeconds = (performance.now() - start) / 1000;
chain.close();
parentPort.postMessage({ seconds: frames / 44100, wallSeconds, nativeCpuSeconds: result.cpuSeconds });
