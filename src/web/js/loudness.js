// BS.1770 loudness as the page measures it: K-weighting as two Web Audio biquads (an
// approximation of the standard's filters, built the same way for the live meter and for the
// offline measure of a loop, so the two agree), 400 ms blocks every 100 ms, the channels' mean
// squares summed, gated at -70 LUFS absolute and -10 LU relative.

export const BLOCK_SECONDS = 0.4;
export const HOP_SECONDS = 0.1;
const ABSOLUTE_GATE = -70;
const RELATIVE_GATE = -10;

const loudnessOf = (meanSquare) => -0.691 + 10 * Math.log10(meanSquare);
const mean = (values) => values.reduce((sum, v) => sum + v, 0) / values.length;

/** Connects `input` through the K-weighting filters of `context`; returns the last one. */
export function kWeighting(context, input) {
  const shelf = new BiquadFilterNode(context, { type: 'highshelf', frequency: 1681, gain: 4 });
  // A highpass's Q is in dB in Web Audio: a linear Q of 0.5 (BS.1770's RLB filter) is -6.02 dB.
  const highpass = new BiquadFilterNode(context, { type: 'highpass', frequency: 38, Q: 20 * Math.log10(0.5) });
  return input.connect(shelf).connect(highpass);
}

/** One block: the mean square of each channel's samples [from, to), summed over the channels. */
export function blockPower(channels, from, to) {
  let z = 0;
  for (const samples of channels) {
    let sum = 0;
    for (let i = from; i < to; i++) sum += samples[i] * samples[i];
    z += sum / (to - from);
  }
  return z;
}

/** BS.1770 integrated loudness of blocks (their powers), or null when none passes the gates. */
export function gatedLoudness(blocks) {
  const loud = blocks.filter((z) => z > 0 && loudnessOf(z) > ABSOLUTE_GATE);
  if (!loud.length) return null;
  const threshold = loudnessOf(mean(loud)) + RELATIVE_GATE;
  const kept = loud.filter((z) => loudnessOf(z) > threshold);
  return kept.length ? loudnessOf(mean(kept)) : null;
}

/**
 * The integrated loudness of `length` s of `buffer` from `start` s (null when silent or shorter
 * than a block): K-weighted by rendering it offline through the same filters as the meter.
 */
export async function measureLoudness(buffer, start, length) {
  const rate = buffer.sampleRate;
  const from = Math.max(0, Math.round(start * rate));
  const frames = Math.min(Math.round(length * rate), buffer.length - from);
  const block = Math.round(BLOCK_SECONDS * rate);
  const hop = Math.round(HOP_SECONDS * rate);
  if (frames < block) return null;
  const offline = new OfflineAudioContext(buffer.numberOfChannels, frames, rate);
  const source = new AudioBufferSourceNode(offline, { buffer });
  kWeighting(offline, source).connect(offline.destination);
  source.start(0, from / rate);
  const weighted = await offline.startRendering();
  const channels = Array.from({ length: weighted.numberOfChannels }, (_, c) => weighted.getChannelData(c));
  const blocks = [];
  for (let end = block; end <= frames; end += hop) blocks.push(blockPower(channels, end - block, end));
  return gatedLoudness(blocks);
}
