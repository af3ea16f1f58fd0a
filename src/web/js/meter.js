// The loudness of what is heard, measured in the page: a K-weighting approximation (the two
// BS.1770 filters as Web Audio biquads) into one AnalyserNode per channel. Every 100 ms the last
// fftSize samples give one block (the channels' mean squares summed, as BS.1770 sums them), and
// the blocks since the last reset are gated as BS.1770 does: -70 LUFS absolute, -10 LU relative.

const BLOCK_MS = 100;
const ABSOLUTE_GATE = -70;
const RELATIVE_GATE = -10;
const FFT_SIZE = 16384;

const loudnessOf = (meanSquare) => -0.691 + 10 * Math.log10(meanSquare);
const mean = (values) => values.reduce((sum, v) => sum + v, 0) / values.length;

/** BS.1770 integrated loudness of blocks (mean squares), or null when none passes the gates. */
export function gatedLoudness(blocks) {
  const loud = blocks.filter((z) => z > 0 && loudnessOf(z) > ABSOLUTE_GATE);
  if (!loud.length) return null;
  const threshold = loudnessOf(mean(loud)) + RELATIVE_GATE;
  const kept = loud.filter((z) => loudnessOf(z) > threshold);
  return kept.length ? loudnessOf(mean(kept)) : null;
}

export class LoudnessMeter {
  /** Measures what reaches `input`; shows it in the `lufs` and `seconds` outputs. */
  constructor(context, input, { lufs, seconds }) {
    this.context = context;
    this.outputs = { lufs, seconds };
    const shelf = new BiquadFilterNode(context, { type: 'highshelf', frequency: 1681, gain: 4 });
    // A highpass's Q is in dB in Web Audio: a linear Q of 0.5 (BS.1770's RLB filter) is -6.02 dB.
    const highpass = new BiquadFilterNode(context, { type: 'highpass', frequency: 38, Q: 20 * Math.log10(0.5) });
    const splitter = new ChannelSplitterNode(context, { numberOfOutputs: 2 });
    this.analysers = [0, 1].map((channel) => {
      const analyser = new AnalyserNode(context, { fftSize: FFT_SIZE });
      splitter.connect(analyser, channel);
      return analyser;
    });
    input.connect(shelf).connect(highpass).connect(splitter);
    this.samples = new Float32Array(FFT_SIZE);
    this.timer = null;
    this.reset();
  }

  /** Forgets what was measured: after a switch, a change of matching, a new start. */
  reset() {
    this.blocks = [];
    this.measured = 0;
    this.since = this.context.currentTime;
    // The analysers still hold the samples from before the reset until their window refills.
    this.windowSeconds = FFT_SIZE / this.context.sampleRate;
    this.show();
  }

  start() {
    if (this.timer !== null) return;
    this.since = this.context.currentTime;
    this.timer = setInterval(() => this.read(), BLOCK_MS);
  }

  stop() {
    if (this.timer === null) return;
    clearInterval(this.timer);
    this.timer = null;
    this.measured += this.context.currentTime - this.since;
  }

  read() {
    const elapsed = this.measured + (this.context.currentTime - this.since);
    if (elapsed >= this.windowSeconds) {
      let z = 0;
      for (const analyser of this.analysers) {
        analyser.getFloatTimeDomainData(this.samples);
        let sum = 0;
        for (const sample of this.samples) sum += sample * sample;
        z += sum / this.samples.length;
      }
      this.blocks.push(z);
    }
    this.show(elapsed);
  }

  show(elapsed = this.measured) {
    const lufs = this.blocks.length ? gatedLoudness(this.blocks) : null;
    this.outputs.lufs.value = lufs === null ? '–' : lufs.toFixed(1);
    this.outputs.seconds.value = elapsed.toFixed(1);
  }
}
