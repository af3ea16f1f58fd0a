// Where user files live (uploads and mix results), behind one interface: local disk today; a
// bucket with a local cache implements the same. Keys are made by the server (`uploads/<uuid>.<ext>`,
// `mixes/<job id>.<ext>`); nothing a client sends becomes a key or a path.
import { MixchainError } from '../errors.js';

export interface StoredFile {
  key: string;
  size: number;
}

export interface StorageStatus {
  r2Configured: boolean;
  provider: 'cloudflare-r2' | 's3' | 'local';
  bucket: string | null;
  publicUrl: string | null;
}

/** What /stats and /metrics report of the storage (counters run since the process started). */
export interface StorageStats {
  /** Bytes and files held locally: the cache in front of a bucket, or the files on local disk. */
  cacheBytes: number;
  cacheFiles: number;
  /** Reads served from the cache / downloaded from the bucket first (local disk: 0, 0). */
  cacheHits: number;
  cacheMisses: number;
  /** Files waiting in the durable queue for their upload to the bucket. */
  pendingUploads: number;
  /** Pending uploads whose last attempt failed. */
  failedUploads: number;
  /** Failed upload attempts. */
  failedAttempts: number;
  uploadedBytes: number;
  uploadedFiles: number;
  /** Null: no bucket, or not contacted yet; false after a failed call until a call succeeds. */
  bucketReachable: boolean | null;
  /** The last bucket error (never a secret), or null. */
  lastError: string | null;
}

export interface Storage {
  /** A folder on the storage's file system for files being received (an upload in flight). */
  readonly scratchDir: string;
  /** Takes a finished local file in under `key` (the file is moved, not copied). */
  put(key: string, file: string): Promise<StoredFile>;
  /** A local path to read the file from, or null when there is no such file. */
  localPath(key: string): Promise<string | null>;
  stat(key: string): Promise<StoredFile | null>;
  /** Deletes the file; a missing file is not an error. */
  delete(key: string): Promise<void>;
  /**
   * A URL that downloads the file without an API key for `ttlSeconds` (a presigned bucket URL),
   * or null: the service links to it itself.
   */
  presignedUrl(key: string, ttlSeconds: number, filename: string): Promise<string | null>;
  status(): StorageStatus;
  stats(): StorageStats;
  /** Stops background work (the bucket uploader): an upload in flight is abandoned and stays queued. */
  close(): Promise<void>;
}

const KEY = /^(uploads|mixes)\/[A-Za-z0-9][A-Za-z0-9-]{0,80}\.[a-z0-9]{1,8}$/;

/** Whether `key` is one the server makes: a known folder, a plain name, an extension. */
export function isKey(key: string): boolean {
  return KEY.test(key);
}

/** Throws unless `key` is one the server makes. */
export function checkKey(key: string): string {
  if (!isKey(key)) throw new MixchainError('ERR_STORAGE_KEY', `Expected a storage key like 'uploads/<uuid>.wav' but got '${key.slice(0, 120)}'`);
  return key;
}
