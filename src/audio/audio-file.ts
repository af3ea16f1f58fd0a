import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { promisify } from 'node:util';
import { binding } from '../native/binding.js';
import { MixchainError, invalidArgument, native } from '../errors.js';
import { requireChannels, requireNumber, requireString } from '../validate.js';

const run = promisify(execFile);

/** Audio longer than this is refused before it is decoded, unless `maxSeconds` says otherwise. */
export const DEFAULT_MAX_SECONDS = 3600;

export interface AudioData {
  sampleRate: number;
  /** Planar float channels. */
  channels: Float32Array[];
  /** The container, e.g. "wav", "flac", "m4a" (decoded by ffmpeg). */
  format: string;
  /** The stored sample type, e.g. "Signed 24 bit PCM". */
  sampleType: string;
}

export interface ReadAudioOptions {
  /** Refuse longer audio with `ERR_AUDIO_TOO_LONG` (checked before decoding). Default {@link DEFAULT_MAX_SECONDS}. */
  maxSeconds?: number;
}

export interface WriteAudioOptions {
  /** wav, flac, mp3, ogg (Vorbis) or opus; default from the file extension. */
  format?: 'wav' | 'flac' | 'mp3' | 'ogg' | 'opus';
  /** For wav and flac: "pcm16", "pcm24" (default, both TPDF-dithered) or "float" (wav only). */
  sampleType?: 'pcm16' | 'pcm24' | 'float';
  /** For mp3: constant or variable bitrate (default). */
  bitrateMode?: 'cbr' | 'vbr';
}

function maxSecondsOf(options: ReadAudioOptions): number {
  const limit = options.maxSeconds ?? DEFAULT_MAX_SECONDS;
  if (!(limit > 0)) throw invalidArgument('maxSeconds', 'a positive number of seconds', limit);
  return limit;
}

/**
 * Decodes an audio file libsndfile reads (WAV, AIFF, FLAC, OGG/Vorbis, Opus, MP3, …) at its own
 * sample rate, synchronously.
 */
export function readAudio(path: string, options: ReadAudioOptions = {}): AudioData {
  const file = requireString(path, 'path');
  const limit = maxSecondsOf(options);
  return native(() => binding.readAudioFile(file, limit));
}

/**
 * Decodes any audio file: natively (libsndfile) when it can, otherwise through ffmpeg (M4A/AAC
 * from phones, and the rest ffmpeg knows). `ERR_FFMPEG_MISSING` names the format when ffmpeg
 * would be needed but is not installed.
 */
export async function decodeAudio(path: string, options: ReadAudioOptions = {}): Promise<AudioData> {
  const file = requireString(path, 'path');
  const limit = maxSecondsOf(options);
  try {
    return readAudio(file, { maxSeconds: limit });
  } catch (error) {
    if (!(error instanceof MixchainError) || error.code !== 'ERR_AUDIO_DECODE') throw error;
  }
  const folder = await mkdtemp(join(tmpdir(), 'mixchain-decode-'));
  const wav = join(folder, 'decoded.wav');
  try {
    try {
      // One second past the limit is enough to tell the file is too long, without decoding it all.
      await run('ffmpeg', ['-v', 'error', '-nostdin', '-i', file, '-vn', '-t', String(limit + 1), '-c:a', 'pcm_f32le', '-f', 'wav', wav]);
    } catch (error) {
      const failure = error as NodeJS.ErrnoException & { stderr?: string };
      if (failure.code === 'ENOENT') {
        throw new MixchainError('ERR_FFMPEG_MISSING', `Decoding '${extname(file) || file}' files needs ffmpeg (apt-get install ffmpeg), which is not installed`);
      }
      const reason = (failure.stderr ?? '').trim().split('\n').at(-1) || 'unknown error';
      throw new MixchainError('ERR_AUDIO_DECODE', `Cannot decode '${file}' (neither libsndfile nor ffmpeg reads it): ${reason}`);
    }
    let decoded: AudioData;
    try {
      decoded = readAudio(wav, { maxSeconds: limit + 2 });
    } catch (error) {
      if (error instanceof MixchainError && error.code === 'ERR_EMPTY_INPUT') {
        throw new MixchainError('ERR_EMPTY_INPUT', `Expected audio in '${file}' but it holds none`);
      }
      throw error;
    }
    const seconds = (decoded.channels[0]?.length ?? 0) / decoded.sampleRate;
    if (seconds > limit) {
      throw new MixchainError('ERR_AUDIO_TOO_LONG', `Expected at most ${limit} s of audio (maxSeconds) but '${file}' is longer`);
    }
    return { ...decoded, format: extname(file).slice(1).toLowerCase() || 'unknown', sampleType: 'decoded by ffmpeg' };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/**
 * Encodes planar float channels: WAV or FLAC (16/24-bit with TPDF dither, or 32-bit float
 * WAV), MP3, OGG/Vorbis or Opus. The file appears only once complete (written beside it, then
 * renamed).
 */
export function writeAudio(path: string, channels: Float32Array[], sampleRate: number, options: WriteAudioOptions = {}): void {
  const file = requireString(path, 'path');
  requireChannels(channels, 'channels');
  requireNumber(sampleRate, 'sampleRate', 'ERR_INVALID_SAMPLE_RATE');
  native(() => binding.writeAudioFile(file, channels, sampleRate, options));
}
