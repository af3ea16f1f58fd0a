// The records of uploaded files: who uploaded it, where it is stored, what it holds. The
// client's filename is kept as metadata only. This file holds what every store of them shares:
// the interface and the errors. The stores: sqlite-uploads.ts (one node, the service's database)
// and redis-uploads.ts (several nodes sharing one Redis).
import { MixchainError } from '../errors.js';
import type { Storage } from './storage.js';

export interface UploadRecord {
  id: string;
  keyId: string;
  key: string;
  filename: string | null;
  mimetype: string;
  size: number;
  durationSeconds: number;
  sampleRate: number;
  channels: number;
  createdAt: string;
  expiresAt: string;
}

export interface UploadStore {
  /** Stores a new record; ERR_UPLOAD_EXISTS when its id is taken. */
  add(upload: UploadRecord): Promise<UploadRecord>;
  /** The key's upload, or null (also for another key's). */
  get(keyId: string, id: string): Promise<UploadRecord | null>;
  /** Deletes the key's upload and returns it, or null (also for another key's). */
  remove(keyId: string, id: string): Promise<UploadRecord | null>;
  /** Deletes the records that expired before `now` and returns them (their files are the caller's to delete); each goes to one caller only. */
  expire(now: Date): Promise<UploadRecord[]>;
  count(): Promise<number>;
}

/** The same words whether the id is unknown, another key's, or deleted since. */
export const uploadNotFound = (id: string) => new MixchainError('ERR_UPLOAD_NOT_FOUND', `Expected an upload of this key with id '${id.slice(0, 64)}' but there is none`);

export const uploadExists = (id: string) => new MixchainError('ERR_UPLOAD_EXISTS', `Expected a new upload id but '${id.slice(0, 64)}' is taken`);

/** One of the key's uploads and the local path of its file, or ERR_UPLOAD_NOT_FOUND. */
export async function uploadedFile(uploads: UploadStore, storage: Storage, keyId: string, id: string): Promise<{ upload: UploadRecord; path: string }> {
  const upload = await uploads.get(keyId, id);
  const path = upload ? await storage.localPath(upload.key) : null;
  if (!upload || !path) throw uploadNotFound(id);
  return { upload, path };
}
