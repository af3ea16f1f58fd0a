// Mix material for the benchmarks: a vocal spoken by espeak-ng (22.05 kHz mono WAV, looped to
// length) and a synthesised beat (48 kHz stereo 24-bit FLAC), written to `folder`.
import { join } from 'node:path';
import { readAudio, writeAudio } from '../../dist/index.js';
import { speakVocal, synthesizeBeat } from '../../dist/demo/material.js';

/**
 * @param {string} folder
 * @param {number} seconds
 * @returns {Promise<{ vocal: string, beat: string }>}
 */
export async function mixMaterial(folder, seconds) {
  const spoken = join(folder, 'spoken.wav');
  await speakVocal('This is the benchmark vocal, speaking steadily over the beat so that every plugin has work to do, phrase after phrase.', spoken);
  const clip = readAudio(spoken);
  const frames = Math.round(seconds * clip.sampleRate);
  const looped = new Float32Array(frames);
  for (let i = 0; i < frames; i++) looped[i] = clip.channels[0][i % clip.channels[0].length];
  const vocal = join(folder, `vocal-${seconds}.wav`);
  writeAudio(vocal, [looped], clip.sampleRate, { sampleType: 'pcm16' });
  const beat = join(folder, `beat-${seconds}.flac`);
  writeAudio(beat, synthesizeBeat(seconds, 48000), 48000, { sampleType: 'pcm24' });
  return { vocal, beat };
}
