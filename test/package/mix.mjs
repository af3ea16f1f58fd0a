// Run inside the project the package was installed into: the library as a dependency, mixing
// a short generated vocal and beat with the default recipe, the doubler and the robot on (our
// own MixchainFX.vst3, which the package's install build made).
import { renderMix } from 'mixchain';

const sampleRate = 44100;
const seconds = 3;
const tone = (hz, gain, shape = () => 1) =>
  Float32Array.from({ length: sampleRate * seconds }, (_, i) => gain * shape(i) * Math.sin((2 * Math.PI * hz * i) / sampleRate));
// A vocal that comes and goes (the recipe's gate opens on it) and a kick-like pulse for a beat.
const vocal = { sampleRate, channels: [tone(220, 0.3, (i) => (Math.floor(i / 11025) % 2 ? 1 : 0.05))] };
const beatWave = tone(60, 0.5, (i) => Math.exp(-((i % 22050) / 2000)));
const beat = { sampleRate, channels: [beatWave, beatWave.slice()] };

const { channels, report } = await renderMix('default', { vocal, beat }, { doubler: true, robot: true });
if (!report.choices.doubler || !report.choices.robot) throw new Error(`choices not honoured: ${JSON.stringify(report.choices)}`);
let peak = 0;
for (const channel of channels) {
  for (const sample of channel) {
    if (!Number.isFinite(sample)) throw new Error('the mix has a non-finite sample');
    peak = Math.max(peak, Math.abs(sample));
  }
}
if (channels.length !== 2 || channels[0].length < sampleRate * seconds) throw new Error(`unexpected mix shape: ${channels.length} × ${channels[0]?.length}`);
if (peak < 0.01) throw new Error(`the mix is silent (peak ${peak})`);
console.log(`renderMix('default', …, { doubler, robot }): ${channels[0].length} frames, peak ${peak.toFixed(3)}, all finite`);
