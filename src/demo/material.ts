// Demo material the project makes itself: a spoken vocal (espeak-ng) and a synthesised beat.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { MixchainError } from '../errors.js';

const run = promisify(execFile);

/** Speaks `text` with espeak-ng into a WAV file at `path` (22.05 kHz mono). */
export async function speakVocal(text: string, path: string, options: { voice?: string; wordsPerMinute?: number; pitch?: number } = {}): Promise<void> {
  try {
    await run('espeak-ng', ['-v', options.voice ?? 'en-us', '-s', String(options.wordsPerMinute ?? 150), '-p', String(options.pitch ?? 50), '-w', path, text]);
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new MixchainError('ERR_DEMO_VOCAL', missing
      ? 'The demo speaks its vocal with espeak-ng, which is not installed (apt-get install espeak-ng)'
      : `espeak-ng failed: ${(error as Error).message}`);
  }
}

/**
 * A stereo beat: kick on every beat, snare on 2 and 4, closed hats on eighths and a two-note
 * bass line, at `bpm`. Deterministic (a fixed-seed noise source).
 */
export function synthesizeBeat(seconds: number, sampleRate = 44100, bpm = 92): Float32Array[] {
  const frames = Math.round(seconds * sampleRate);
  const left = new Float32Array(frames);
  const right = new Float32Array(frames);
  const beat = (60 / bpm) * sampleRate;
  let seed = 0x2545f491;
  const noise = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return ((seed >>> 0) / 4294967295) * 2 - 1;
  };
  for (let i = 0; i < frames; i++) {
    const inBeat = i % beat;
    const beatIndex = Math.floor(i / beat);
    const t = inBeat / sampleRate;
    // Kick: a falling sine with a fast decay.
    const kick = Math.sin(2 * Math.PI * (50 + 90 * Math.exp(-t * 30)) * t) * Math.exp(-t * 9) * 0.55;
    // Snare on 2 and 4: noise and a 190 Hz body.
    const snare = beatIndex % 2 === 1 ? (noise() * 0.5 + Math.sin(2 * Math.PI * 190 * t) * 0.3) * Math.exp(-t * 18) * 0.45 : 0;
    // Hats on every eighth, a little to the right.
    const eighth = i % (beat / 2);
    const hat = noise() * Math.exp(-(eighth / sampleRate) * 60) * 0.12;
    // Bass: root and fifth, a bar each.
    const bar = Math.floor(beatIndex / 4);
    const bassFrequency = bar % 2 === 0 ? 55 : 82.4;
    const bass = Math.sin((2 * Math.PI * bassFrequency * i) / sampleRate) * 0.22 * (0.6 + 0.4 * Math.exp(-t * 4));
    left[i] = 0.8 * (kick + snare + hat * 0.7 + bass);
    right[i] = 0.8 * (kick + snare + hat * 1.0 + bass);
  }
  return [left, right];
}
