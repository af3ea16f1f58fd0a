// The "before" of the A/B comparison, built in the page: the dry vocal over the beat at the gains
// the mix used, over the same stretch of time, from the user's own files. Mono goes to both
// sides, as the server's mix does.
import { audioContext } from './audio.js';

const dbToGain = (db) => 10 ** ((Number(db) || 0) / 20);

/** Adds `gain` × `source` from `start` seconds into `out` (stereo). */
function addInto(out, source, start, gain) {
  const from = Math.round(start * source.sampleRate);
  const frames = Math.min(out.length, source.length - from);
  if (frames <= 0) return;
  for (let c = 0; c < 2; c++) {
    const input = source.getChannelData(Math.min(c, source.numberOfChannels - 1)).subarray(from, from + frames);
    const output = out.getChannelData(c);
    for (let i = 0; i < frames; i++) output[i] += gain * input[i];
  }
}

/** An AudioBuffer of [start, start + length) s of vocal + beat at `vocalGainDb` / `beatGainDb`. */
export function buildOriginal({ vocal, beat }, { start, length, vocalGainDb, beatGainDb }) {
  const context = audioContext();
  const frames = Math.max(1, Math.round(length * context.sampleRate));
  const out = context.createBuffer(2, frames, context.sampleRate);
  addInto(out, vocal, start, dbToGain(vocalGainDb));
  if (beat) addInto(out, beat, start, dbToGain(beatGainDb));
  return out;
}
