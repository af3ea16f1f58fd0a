// What an uploaded file really is, judged by its content and never by its name or declared type:
// sniffed (file-type reads its magic numbers), then opened with our decoder and decoded to the
// end without being kept (libsndfile natively, ffmpeg for the rest), so a file that would fail
// in a mix is refused when it arrives. Memory stays flat whatever the file's size. The decode
// also gathers the waveform's peaks, so a page can draw a long file at once.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileTypeFromFile } from 'file-type';
import { MixchainError, nativeAsync } from '../errors.js';
import { binding } from '../native/binding.js';

const run = promisify(execFile);

export interface AudioProbe {
  /** The container by content, as a file extension: wav, flac, mp3, m4a, ogg, opus, aif, … */
  extension: string;
  mimetype: string;
  durationSeconds: number;
  sampleRate: number;
  channels: number;
  peaks: WaveformPeaks;
}

/**
 * A waveform's outline: for each of up to PEAK_BUCKETS equal stretches of the file, the lowest and
 * highest sample across its channels and the stretch's RMS (rounded to 4 decimals: a drawing needs
 * no more, and the JSON stays small).
 */
export interface WaveformPeaks {
  bucketSeconds: number;
  min: number[];
  max: number[];
  rms: number[];
}

export const PEAK_BUCKETS = 1000;

const rounded = (series: Float32Array) => Array.from(series, (value) => Math.round(value * 1e4) / 1e4);

// Containers that hold audio without saying so in their MIME type.
const AUDIO_CONTAINERS = new Set(['mp4', 'm4a', 'webm', 'mka', '3gp']);

/** What the content is by its magic numbers, or ERR_NOT_AUDIO. Reads only the file's start. */
export async function sniffAudio(path: string): Promise<Pick<AudioProbe, 'extension' | 'mimetype'>> {
  const type = await fileTypeFromFile(path);
  if (!type || !(type.mime.startsWith('audio/') || AUDIO_CONTAINERS.has(type.ext))) {
    throw new MixchainError('ERR_NOT_AUDIO', `Expected an audio file (WAV, FLAC, MP3, M4A, OGG, Opus, AIFF, …) but the content is ${type ? `${type.mime} (.${type.ext})` : 'not a known file type'}`);
  }
  return { extension: type.ext, mimetype: type.mime };
}

/** Refuses what is not audio (ERR_NOT_AUDIO), what cannot be decoded (ERR_AUDIO_DECODE, ERR_AUDIO_TRUNCATED, ERR_EMPTY_INPUT) and what is longer than `maxSeconds` (ERR_AUDIO_TOO_LONG). */
export async function probeAudio(path: string, maxSeconds: number): Promise<AudioProbe> {
  const base = await sniffAudio(path);
  try {
    return { ...base, ...(await probeNatively(path, maxSeconds)) };
  } catch (error) {
    if (!(error instanceof MixchainError) || error.code !== 'ERR_AUDIO_DECODE') throw error;
  }
  return { ...base, ...(await probeWithFfmpeg(path, maxSeconds)) };
}

async function probeNatively(path: string, maxSeconds: number): Promise<Omit<AudioProbe, 'extension' | 'mimetype'>> {
  const info = await nativeAsync(() => binding.probeAudioFileAsync(path, maxSeconds, PEAK_BUCKETS));
  const { bucketSeconds, min, max, rms } = info.peaks;
  return { durationSeconds: info.frames / info.sampleRate, sampleRate: info.sampleRate, channels: info.channels, peaks: { bucketSeconds, min: rounded(min), max: rounded(max), rms: rounded(rms) } };
}

async function ffmpeg(command: string, args: string[]): Promise<string> {
  try {
    return (await run(command, args, { maxBuffer: 1 << 20 })).stdout;
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stderr?: string };
    if (failure.code === 'ENOENT') throw new MixchainError('ERR_FFMPEG_MISSING', `Reading this format needs ${command} (apt-get install ffmpeg), which is not installed`);
    const reason = (failure.stderr ?? '').trim().split('\n').at(-1) || 'unknown error';
    throw new MixchainError('ERR_AUDIO_DECODE', `Expected audio that decodes to the end but the file does not: ${reason}`);
  }
}

async function probeWithFfmpeg(path: string, maxSeconds: number): Promise<Omit<AudioProbe, 'extension' | 'mimetype'>> {
  const shown = await ffmpeg('ffprobe', ['-v', 'error', '-select_streams', 'a:0', '-show_entries', 'stream=sample_rate,channels:format=duration', '-of', 'json', path]);
  const parsed = JSON.parse(shown) as { streams?: Array<{ sample_rate?: string; channels?: number }>; format?: { duration?: string } };
  const stream = parsed.streams?.[0];
  const durationSeconds = Number(parsed.format?.duration);
  if (!stream || !(Number(stream.sample_rate) > 0) || !(durationSeconds > 0)) {
    throw new MixchainError('ERR_EMPTY_INPUT', 'Expected an audio stream but the file holds none');
  }
  if (durationSeconds > maxSeconds) {
    throw new MixchainError('ERR_AUDIO_TOO_LONG', `Expected at most ${maxSeconds} s of audio but the file is ${durationSeconds.toFixed(1)} s long`);
  }
  // Decoded to the end into a float WAV, which our own probe then reads for the peaks (-xerror: the
  // first damaged packet fails the decode instead of being skipped).
  const folder = await mkdtemp(join(tmpdir(), 'mixchain-probe-'));
  try {
    const wav = join(folder, 'decoded.wav');
    await ffmpeg('ffmpeg', ['-v', 'error', '-nostdin', '-xerror', '-i', path, '-map', '0:a:0', '-c:a', 'pcm_f32le', '-f', 'wav', wav]);
    const { peaks } = await probeNatively(wav, maxSeconds + 1);
    return { durationSeconds, sampleRate: Number(stream.sample_rate), channels: stream.channels ?? 1, peaks };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
