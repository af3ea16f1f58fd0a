// A stored master in another format, made on the first request and kept beside it for the next
// (mixes/<job id>.<format>); concurrent requests for the same one share one conversion.
import { join } from 'node:path';
import { readAudio, writeAudio } from '../audio/audio-file.js';
import { resampleAsync } from '../audio/dsp.js';
import type { JobResult } from '../jobs/queue.js';
import type { Storage } from '../storage/storage.js';
import { OPUS_RATES } from './schemas/mix-options.js';

const converting = new Map<string, Promise<JobResult>>();

export function convertResult(storage: Storage, result: JobResult, format: string): Promise<JobResult> {
  const key = result.key.replace(/\.[a-z0-9]+$/, `.${format}`);
  let pending = converting.get(key);
  if (!pending) {
    pending = convert(storage, result, key, format).finally(() => converting.delete(key));
    converting.set(key, pending);
  }
  return pending;
}

async function convert(storage: Storage, result: JobResult, key: string, format: string): Promise<JobResult> {
  const existing = await storage.stat(key);
  if (existing) return { key, format, size: existing.size };
  const source = await storage.localPath(result.key);
  if (!source) throw new Error(`The stored result ${result.key} is missing`);
  const audio = readAudio(source);
  let { channels, sampleRate } = audio;
  // Opus takes only its own rates.
  if (format === 'opus' && !OPUS_RATES.includes(sampleRate)) {
    channels = await resampleAsync(channels, sampleRate, 48000);
    sampleRate = 48000;
  }
  const file = join(storage.scratchDir, key.replace('/', '-'));
  writeAudio(file, channels, sampleRate, { format: format as 'wav' });
  const stored = await storage.put(key, file);
  return { key, format, size: stored.size };
}
