// The "before" of the A/B comparison, built in the page: the dry vocal over the beat at the gains
// the mix used, over the same stretch of time, from the user's own files. Mono goes to both
// sides, as the server's mix does.
import { audioContext, decodeFile } from './audio.js';

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

/**
 * The gains each track was mixed at: the report's own when it names them per track (they include
 * the recipe's), else the ones the user chose.
 */
function gainsOf(report, options) {
  const reported = (name) => report?.tracks?.find((track) => track.name === name)?.gainDb;
  const vocalGainDb = reported('vocal');
  const beatGainDb = reported('beat');
  return {
    vocalGainDb: Number.isFinite(vocalGainDb) ? vocalGainDb : (options?.vocalGainDb ?? 0),
    beatGainDb: Number.isFinite(beatGainDb) ? beatGainDb : (options?.beatGainDb ?? 0),
  };
}

/**
 * An AudioBuffer of the original over `loop` ({ start, end } s) from `files` ({ vocal, beat },
 * the Files the mix was made from), at the gains of the mix of `report` and `options`.
 */
export async function buildOriginal(files, loop, report, options) {
  const [vocal, beat] = await Promise.all([decodeFile(files.vocal), files.beat ? decodeFile(files.beat) : null]);
  const { vocalGainDb, beatGainDb } = gainsOf(report, options);
  const context = audioContext();
  const frames = Math.max(1, Math.round((loop.end - loop.start) * context.sampleRate));
  const out = context.createBuffer(2, frames, context.sampleRate);
  addInto(out, vocal, loop.start, dbToGain(vocalGainDb));
  if (beat) addInto(out, beat, loop.start, dbToGain(beatGainDb));
  return out;
}
