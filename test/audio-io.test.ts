// Audio in and out: every format decodes to the samples of its WAV original (within the codec's
// tolerance), at several rates, depths and channel counts; broken files get coded errors.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeAudio, readAudio, writeAudio } from '../src/index.js';
import { rms, testSignal, wavHeader } from './helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'mixchain-audio-'));
const coded = (code: string, message?: RegExp) =>
  expect.objectContaining({ code, ...(message ? { message: expect.stringMatching(message) } : {}) });

function maxDifference(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

function ffmpeg(...args: string[]): void {
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-nostdin', ...args]);
}

describe('lossless formats decode to the original samples', () => {
  const cases: Array<[string, number, number, 'pcm16' | 'pcm24' | 'float', number]> = [
    ['wav', 44100, 2, 'float', 0],
    ['wav', 48000, 2, 'pcm24', 2 / 8388608],
    ['wav', 8000, 1, 'pcm16', 2 / 32768],
    ['wav', 192000, 2, 'pcm24', 2 / 8388608],
    ['flac', 44100, 2, 'pcm16', 2 / 32768],
    ['flac', 96000, 1, 'pcm24', 2 / 8388608],
  ];
  for (const [format, rate, channels, sampleType, tolerance] of cases) {
    it(`${format} ${sampleType} ${channels} ch at ${rate} Hz`, async () => {
      const original = testSignal(rate / 2, rate, channels);
      const file = join(scratch, `lossless-${rate}-${channels}-${sampleType}.${format}`);
      writeAudio(file, original, rate, { sampleType });
      const decoded = await decodeAudio(file);
      expect(decoded.sampleRate).toBe(rate);
      expect(decoded.channels).toHaveLength(channels);
      for (let c = 0; c < channels; c++) {
        expect(decoded.channels[c]).toHaveLength(rate / 2);
        expect(maxDifference(decoded.channels[c]!, original[c]!)).toBeLessThanOrEqual(tolerance);
      }
    });
  }

  it('AIFF (written by ffmpeg) and 8-channel audio', async () => {
    const original = testSignal(22050, 44100, 8);
    const wav = join(scratch, 'eight.wav');
    writeAudio(wav, original, 44100, { sampleType: 'float' });
    const aiff = join(scratch, 'eight.aiff');
    ffmpeg('-i', wav, '-c:a', 'pcm_s24be', aiff);
    const decoded = await decodeAudio(aiff);
    expect(decoded.format).toBe('aiff');
    expect(decoded.channels).toHaveLength(8);
    for (let c = 0; c < 8; c++) expect(maxDifference(decoded.channels[c]!, original[c]!)).toBeLessThanOrEqual(1 / 8388608);
  });
});

describe('lossy formats decode to the original within codec tolerance', () => {
  const original = testSignal(48000 * 2, 48000);
  const wav = join(scratch, 'lossy-source.wav');
  writeAudio(wav, original, 48000, { sampleType: 'float' });
  const cases: Array<[string, () => string]> = [
    ['mp3 (libsndfile)', () => { const f = join(scratch, 'a.mp3'); writeAudio(f, original, 48000); return f; }],
    ['ogg vorbis (libsndfile)', () => { const f = join(scratch, 'a.ogg'); writeAudio(f, original, 48000); return f; }],
    ['opus (libsndfile)', () => { const f = join(scratch, 'a.opus'); writeAudio(f, original, 48000); return f; }],
    ['m4a/aac (ffmpeg, as phones record)', () => { const f = join(scratch, 'a.m4a'); ffmpeg('-i', wav, '-c:a', 'aac', '-b:a', '192k', f); return f; }],
  ];
  for (const [name, make] of cases) {
    it(name, async () => {
      const decoded = await decodeAudio(make());
      expect(decoded.channels).toHaveLength(2);
      const seconds = decoded.channels[0]!.length / decoded.sampleRate;
      expect(Math.abs(seconds - 2)).toBeLessThan(0.08);
      for (let c = 0; c < 2; c++) {
        const level = 20 * Math.log10(rms(decoded.channels[c]!) / rms(original[c]!));
        expect(Math.abs(level)).toBeLessThan(0.5);
      }
    });
  }
});

describe('broken input gets a coded error', () => {
  const write = (name: string, bytes: Buffer | string) => {
    const file = join(scratch, name);
    writeFileSync(file, bytes);
    return file;
  };
  it('an empty file', async () => {
    await expect(decodeAudio(write('empty.wav', ''))).rejects.toThrow(coded('ERR_AUDIO_DECODE', /empty\.wav/));
  });
  it('a truncated WAV header', async () => {
    await expect(decodeAudio(write('cut.wav', wavHeader(1000).subarray(0, 20)))).rejects.toThrow(coded('ERR_AUDIO_DECODE'));
  });
  it('a header that claims more data than the file holds', () => {
    const file = write('short.wav', Buffer.concat([wavHeader(400_000), Buffer.alloc(4000)]));
    expect(() => readAudio(file)).toThrow(coded('ERR_AUDIO_TRUNCATED', /400000 bytes.*holds 4000/));
  });
  it('garbage bytes with an .mp3 name', async () => {
    await expect(decodeAudio(write('noise.mp3', Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 251))))).rejects.toThrow(coded('ERR_AUDIO_DECODE', /noise\.mp3/));
  });
  it('0-length audio, and one sample', async () => {
    await expect(decodeAudio(write('zero.wav', wavHeader(0)))).rejects.toThrow(coded('ERR_EMPTY_INPUT', /0 frames/));
    const one = await decodeAudio(write('one.wav', Buffer.concat([wavHeader(4), Buffer.from([0, 64, 0, 192])])));
    expect(one.channels.map((c) => Array.from(c))).toEqual([[0.5], [-0.5]]);
  });
  it('a 2-hour file is refused with the configured limit, before anything is decoded', async () => {
    // A real two-hour WAV of silence, as a sparse file: 115 MB to libsndfile, nothing on disk.
    const twoHours = 2 * 3600 * 8000 * 2;
    const file = write('long.wav', wavHeader(twoHours, 8000, 1));
    truncateSync(file, 44 + twoHours);
    await expect(decodeAudio(file)).rejects.toThrow(coded('ERR_AUDIO_TOO_LONG', /at most 3600 s .*7200 s long/));
    await expect(decodeAudio(file, { maxSeconds: 60 })).rejects.toThrow(coded('ERR_AUDIO_TOO_LONG', /at most 60 s/));
  });
  it('a failed write leaves no file behind', () => {
    const before = readdirSync(scratch).length;
    expect(() => writeAudio(join(scratch, 'x.opus'), testSignal(100), 44100)).toThrow(coded('ERR_AUDIO_FORMAT', /opus/));
    expect(() => writeAudio(join(scratch, 'missing-folder', 'x.wav'), testSignal(100), 44100)).toThrow(coded('ERR_FILE_WRITE'));
    expect(readdirSync(scratch).length).toBe(before);
    expect(existsSync(join(scratch, 'x.opus'))).toBe(false);
  });
});
