// The loudness of what is heard, measured live: the K-weighting filters (loudness.js) into one
// AnalyserNode per channel. Every 100 ms the last 400 ms of samples give one block, and the
// blocks since the last reset are gated as BS.1770 does (loudness.js).
import { BLOCK_SECONDS, blockPower, gatedLoudness, HOP_SECONDS, kWeighting } from './loudness.js';

// The largest window an AnalyserNode keeps: 400 ms of samples up to 81.9 kHz.
const FFT_SIZE = 32768;

export class LoudnessMeter {
  /** Measures what reaches `input`; shows it in the `lufs` and `seconds` outputs. */
  constructor(context, input, { lufs, seconds }) {
    this.context = context;
    this.outputs = { lufs, seconds };
    const splitter = new ChannelSplitterNode(context, { numberOfOutputs: 2 });
    this.analysers = [0, 1].map((channel) => {
      const analyser = new AnalyserNode(context, { fftSize: FFT_SIZE });
      splitter.connect(analyser, channel);
      return analyser;
    });
    kWeighting(context, input).connect(splitter);
    this.windows = this.analysers.map(() => new Float32Array(FFT_SIZE));
    // Only each window's newest 400 ms make a block (all of it from 81.9 kHz up).
    this.blockStart = FFT_SIZE - Math.min(FFT_SIZE, Math.round(BLOCK_SECONDS * context.sampleRate));
    this.timer = null;
    this.reset();
  }

  /** Forgets what was measured: after a switch, a change of matching, a new start. */
  reset() {
    this.blocks = [];
    this.measured = 0;
    this.since = this.context.currentTime;
    this.show();
  }

  /** Measures from `when` (context time): when the sources start, not when they were scheduled. */
  start(when = this.context.currentTime) {
    if (this.timer !== null) return;
    this.since = when;
    this.timer = setInterval(() => this.read(), HOP_SECONDS * 1000);
  }

  stop() {
    if (this.timer === null) return;
    clearInterval(this.timer);
    this.timer = null;
    this.measured = this.elapsed();
  }

  elapsed() {
    return this.measured + Math.max(0, this.context.currentTime - this.since);
  }

  read() {
    const elapsed = this.elapsed();
    // Until a whole block has played since the reset, the analysers still hold what came before.
    if (elapsed >= BLOCK_SECONDS) {
      this.analysers.forEach((analyser, channel) => analyser.getFloatTimeDomainData(this.windows[channel]));
      this.blocks.push(blockPower(this.windows, this.blockStart, FFT_SIZE));
    }
    this.show(elapsed);
  }

  show(elapsed = this.measured) {
    const lufs = gatedLoudness(this.blocks);
    this.outputs.lufs.value = lufs === null ? '–' : lufs.toFixed(1);
    this.outputs.seconds.value = elapsed.toFixed(1);
  }
}
