// Load → render → state → close, through the addon, for the leak check: real plugins (one
// dual-mono, one with latency, the convolution reverb) and our test plugins.
import { Chain, liveInstances, loadPlugin, loadPluginSync } from '../../dist/index.js';
import { testSignal } from '../fixtures/signal.mjs';

const testBundle = new URL('../../build/test-plugins/MixchainTest.vst3', import.meta.url).pathname;
for (let round = 0; round < 2; round++) {
  const plugins = [
    loadPluginSync('ZamEQ2', { maxBlockSize: 1024 }),
    await loadPlugin('ZaMaximX2', { maxBlockSize: 1024 }),
    loadPluginSync('ZamVerb', { maxBlockSize: 1024 }),
    loadPluginSync(testBundle, { className: 'Mixchain Gain', maxBlockSize: 1024 }),
  ];
  plugins[3].setParameter('Gain', -3);
  plugins[3].automate('Gain', [{ sample: 100, value: -6 }]);
  plugins[0].setState(plugins[0].getState());
  const chain = new Chain(plugins);
  chain.render(testSignal(8192), { tail: 'auto' });
  await chain.renderAsync(testSignal(4096));
  await Promise.all(plugins.map((p) => p.closeAsync()));
}
if (liveInstances() !== 0) throw new Error(`${liveInstances()} plugins still alive`);
console.log('leak scenario done');
