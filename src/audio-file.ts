import { binding } from './native/binding.js';
import { native } from './errors.js';
import { requireChannels, requireNumber, requireString } from './validate.js';

export interface AudioData {
  sampleRate: number;
  /** Planar float channels. */
  channels: Float32Array[];
  /** The container, e.g. "wav", "flac". */
  format: string;
  /** The stored sample type, e.g. "Signed 24 bit PCM". */
  sampleType: string;
}

export interface WriteAudioOptions {
  /** "wav" or "flac"; default from the file extension. */
  format?: 'wav' | 'flac';
  /** "pcm16", "pcm24" (default) or "float" (wav only). */
  sampleType?: 'pcm16' | 'pcm24' | 'float';
}

/** Decodes an audio file (WAV, FLAC, and what else libsndfile reads) at its own sample rate. */
export function readAudio(path: string): AudioData {
  const file = requireString(path, 'path');
  return native(() => binding.readAudioFile(file));
}

/** Encodes planar float channels to WAV or FLAC. */
export function writeAudio(path: string, channels: Float32Array[], sampleRate: number, options: WriteAudioOptions = {}): void {
  const file = requireString(path, 'path');
  requireChannels(channels, 'channels');
  requireNumber(sampleRate, 'sampleRate', 'ERR_INVALID_SAMPLE_RATE');
  native(() => binding.writeAudioFile(file, channels, sampleRate, options));
}
