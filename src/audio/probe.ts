// What an uploaded file really is, judged by its content and never by its name or declared type:
// sniffed (file-type reads its magic numbers), then opened with our decoder and decoded to the
// end without being kept (libsndfile natively, ffmpeg for the rest), so a file that would fail
// in a mix is refused when it arrives. Memory stays flat whatever the file's size.
import { execFile } from 'node:child_process';
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
}

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
    const info = await nativeAsync(() => binding.probeAudioFileAsync(path, maxSeconds));
    return { ...base, durationSeconds: info.frames / info.sampleRate, sampleRate: info.sampleRate, channels: info.channels };
  } catch (error) {
    if (!(error instanceof MixchainError) || error.code !== 'ERR_AUDIO_DECODE') throw error;
  }
  return { ...base, ...(await probeWithFfmpeg(path, maxSeconds)) };
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
  // -xerror: the first damaged packet fails the decode instead of being skipped.
  await ffmpeg('ffmpeg', ['-v', 'error', '-nostdin', '-xerror', '-i', path, '-map', '0:a:0', '-f', 'null', '-']);
  return { durationSeconds, sampleRate: Number(stream.sample_rate), channels: stream.channels ?? 1 };
}
