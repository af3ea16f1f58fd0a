// A multipart file part, streamed to a scratch file (never held in memory), and turned into an
// upload: checked by content, then stored under a key the server makes. A part over the size
// limit, a body cut mid-file or a file that is not audio leaves nothing behind.
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { MultipartFile } from '@fastify/multipart';
import { probeAudio, sniffAudio, type AudioProbe } from '../audio/probe.js';
import { MixchainError, withNames } from '../errors.js';
import type { Storage } from '../storage/storage.js';
import type { UploadRecord } from '../storage/uploads.js';

export interface ReceivedFile {
  path: string;
  size: number;
  /** The client's name for it: metadata only. */
  filename: string | null;
}

const MAX_FILENAME_BYTES = 255;

/** The client's filename as metadata: its last path segment, at most 255 bytes. */
export function cleanFilename(name: string | undefined): string | null {
  if (!name) return null;
  const base = basename(name.replaceAll('\\', '/'));
  if (Buffer.byteLength(base) > MAX_FILENAME_BYTES) {
    throw new MixchainError('ERR_FILENAME', `Expected a filename of at most ${MAX_FILENAME_BYTES} bytes but got ${Buffer.byteLength(base)} bytes`);
  }
  return base || null;
}

export async function receiveFile(part: MultipartFile, folder: string, maxMb: number): Promise<ReceivedFile> {
  const filename = cleanFilename(part.filename);
  const path = join(folder, `${randomUUID()}.part`);
  // Past the limit the parser discards the rest of the part but ends the file only where the part
  // ends: stop here at once, so the 413 goes out without waiting for the whole body.
  part.file.once('limit', () => part.file.destroy(new Error('over the size limit')));
  try {
    await pipeline(part.file, createWriteStream(path, { mode: 0o600 }));
    if (part.file.truncated) throw new Error('truncated');
  } catch (error) {
    await rm(path, { force: true });
    if (part.file.truncated || (error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') {
      throw new MixchainError('ERR_UPLOAD_TOO_LARGE', `Expected a file of at most ${maxMb} MB (MIXCHAIN_MAX_UPLOAD_MB) in field '${part.fieldname}' but it is larger`);
    }
    throw error;
  }
  return { path, size: part.file.bytesRead, filename };
}

const PARSER_LIMITS = new Set(['FST_PARTS_LIMIT', 'FST_FILES_LIMIT', 'FST_FIELDS_LIMIT']);

/** A multipart parser limit as our error, saying what the route takes (`takes`); other errors as they are. */
export function tooManyParts(error: unknown, takes: string): unknown {
  const code = (error as { code?: string } | null)?.code;
  return code && PARSER_LIMITS.has(code) ? new MixchainError('ERR_TOO_MANY_PARTS', `Expected ${takes} but the body holds more parts`) : error;
}

/** Refuses an empty part by name: it is no file type at all, so the sniffer would call it "not audio". */
function checkNotEmpty(file: ReceivedFile): void {
  if (file.size === 0) throw new MixchainError('ERR_EMPTY_INPUT', `Expected an audio file${file.filename ? ` in '${file.filename}'` : ''} but it is empty (0 bytes)`);
}

/** Deletes a received file when `check` refuses it. */
async function orDelete<T>(file: ReceivedFile, check: () => Promise<T>): Promise<T> {
  try {
    checkNotEmpty(file);
    return await check();
  } catch (error) {
    await rm(file.path, { force: true });
    throw withNames(error, new Map([[file.path, file.filename ?? 'the file']]));
  }
}

/** Probes a received file as audio (sniffed, then decoded to the end); a file that is not is deleted. */
export function probeReceived(file: ReceivedFile, maxSeconds: number): Promise<AudioProbe> {
  return orDelete(file, async () => {
    const probe = await probeAudio(file.path, maxSeconds);
    if (probe.durationSeconds > maxSeconds) throw new MixchainError('ERR_AUDIO_TOO_LONG', `Expected at most ${maxSeconds} s of audio but the file is ${probe.durationSeconds.toFixed(1)} s long`);
    return probe;
  });
}

/**
 * Sniffs a received file as audio, without decoding it: for a file about to be rendered at once,
 * whose decode in the worker tells the rest (undecodable, truncated, too long) anyway.
 */
export function sniffReceived(file: ReceivedFile): Promise<unknown> {
  return orDelete(file, () => sniffAudio(file.path));
}

export interface UploadContext {
  storage: Storage;
  keyId: string;
  retentionDays: number;
}

/** Stores a received, probed file as the key's upload. */
export async function storeUpload(file: ReceivedFile, probe: AudioProbe, context: UploadContext): Promise<Omit<UploadRecord, 'keyId'> & { keyId: string }> {
  const id = randomUUID();
  const stored = await context.storage.put(`uploads/${id}.${probe.extension}`, file.path);
  const now = new Date();
  return {
    id,
    keyId: context.keyId,
    key: stored.key,
    filename: file.filename,
    mimetype: probe.mimetype,
    size: stored.size,
    durationSeconds: probe.durationSeconds,
    sampleRate: probe.sampleRate,
    channels: probe.channels,
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + context.retentionDays * 86_400_000).toISOString(),
  };
}
