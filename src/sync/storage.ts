// The bucket side of the sync: an S3 client set up for R2 (and any S3-compatible endpoint),
// paginated listing of the bundle objects, and downloads that retry transient failures with
// backoff and check they received every byte.
import { GetObjectCommand, ListObjectsCommand, S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MixchainError } from '../errors.js';
import type { SyncConfig } from './config.js';

export interface RemoteBundle {
  name: string;
  key: string;
  etag: string;
  size: number;
}

export interface ClientTimeouts {
  connectMs: number;
  /** A request with no bytes moving either way for this long fails (a long transfer that moves is fine). */
  idleMs: number;
}

/** An S3 client for the bucket of `config` (plugin sync or user files), with `timeouts` when given. */
export function createStorageClient(config: Pick<SyncConfig, 'endpoint' | 'accessKeyId' | 'secretAccessKey' | 'provider'>, timeouts?: ClientTimeouts): S3Client {
  // The SDK version is pinned to one that supports Node 20; its notice that later ones will not
  // is not news to our users.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return new S3Client({
    endpoint: config.endpoint,
    region: 'auto',
    forcePathStyle: config.provider !== 'r2',
    credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
    // R2 (and most S3-compatible servers) reject or ignore the SDK's default CRC checksums.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // Retries are ours (withRetries): they also cover bodies cut short, which the SDK's do not.
    maxAttempts: 1,
    ...(timeouts ? { requestHandler: { connectionTimeout: timeouts.connectMs, requestTimeout: timeouts.idleMs, throwOnRequestTimeout: true } } : {}),
  });
}

const BUNDLE_KEY = /^([A-Za-z0-9][A-Za-z0-9 ._+-]*)\.vst3\.zip$/;
export const CHECKSUM_OBJECT = 'SHA256SUMS';

export interface Listing {
  bundles: RemoteBundle[];
  /** The checksum object (`<prefix>/SHA256SUMS`), when the bucket has one. */
  checksums: { key: string; etag: string } | null;
}

/**
 * Every `<prefix>/<Name>.vst3.zip` in the bucket (all pages). Pages by marker (ListObjects),
 * which every S3-compatible server implements alike; R2 and S3 support it.
 */
export async function listBundles(client: S3Client, config: SyncConfig, pageSize = 1000): Promise<Listing> {
  const bundles: RemoteBundle[] = [];
  let checksums: Listing['checksums'] = null;
  let marker: string | undefined;
  do {
    const page = await storageCall(config, 'list', () =>
      withRetries(() => client.send(new ListObjectsCommand({ Bucket: config.bucket, Prefix: `${config.prefix}/`, Marker: marker, MaxKeys: pageSize }))),
    );
    for (const object of page.Contents ?? []) {
      const file = object.Key!.slice(config.prefix.length + 1);
      if (file === CHECKSUM_OBJECT) checksums = { key: object.Key!, etag: object.ETag ?? '' };
      const match = BUNDLE_KEY.exec(file);
      if (match) bundles.push({ name: match[1]!, key: object.Key!, etag: object.ETag ?? '', size: object.Size ?? 0 });
    }
    marker = page.IsTruncated ? (page.NextMarker ?? page.Contents?.at(-1)?.Key) : undefined;
  } while (marker);
  return { bundles: bundles.sort((a, b) => a.name.localeCompare(b.name)), checksums };
}

/** The checksum object as a map from file name to sha256 (hex), in `sha256sum` format. */
export async function fetchChecksums(client: S3Client, config: SyncConfig, key: string): Promise<Map<string, string>> {
  const text = await storageCall(config, `get ${key}`, () =>
    withRetries(async () => (await client.send(new GetObjectCommand({ Bucket: config.bucket, Key: key }))).Body!.transformToString()),
  );
  const sums = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([0-9a-fA-F]{64})\s+\*?(.+?)\s*$/.exec(line);
    if (match) sums.set(match[2]!, match[1]!.toLowerCase());
  }
  return sums;
}

export interface RetryOptions {
  /** Attempts in all. Default 4. */
  attempts?: number;
  /** First backoff in ms, doubled at each retry (with jitter). Default 250. */
  backoffMs?: number;
}

/** Runs `call` until it succeeds, retrying transient failures (5xx, 429, dropped connections) with backoff. */
export async function withRetries<T>(call: () => Promise<T>, options: RetryOptions = {}, cleanUp?: () => Promise<void>): Promise<T> {
  const attempts = options.attempts ?? 4;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      await cleanUp?.();
      if (!transient(error) || attempt >= attempts) throw error;
      const wait = (options.backoffMs ?? 250) * 2 ** (attempt - 1) * (0.75 + Math.random() / 2);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

export interface DownloadOptions extends RetryOptions {
  onBytes?: (bytes: number) => void;
}

/**
 * Downloads `bundle` to `path`, retrying transient failures (5xx, dropped connections, a body
 * shorter than announced) with backoff; resolves with the file's sha256. A failure leaves no file.
 */
export async function download(client: S3Client, config: SyncConfig, bundle: RemoteBundle, path: string, options: DownloadOptions = {}): Promise<string> {
  try {
    return await withRetries(() => downloadOnce(client, config, bundle, path, options), options, () => rm(path, { force: true }));
  } catch (error) {
    throw new MixchainError('ERR_SYNC_DOWNLOAD', `Could not download ${bundle.key} (${bundle.size} bytes): ${describeError(error)}`, { cause: error });
  }
}

async function downloadOnce(client: S3Client, config: SyncConfig, bundle: RemoteBundle, path: string, options: DownloadOptions): Promise<string> {
  const object = await client.send(new GetObjectCommand({ Bucket: config.bucket, Key: bundle.key }));
  const expected = object.ContentLength ?? bundle.size;
  const hash = createHash('sha256');
  let received = 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      received += chunk.length;
      hash.update(chunk);
      options.onBytes?.(chunk.length);
      done(null, chunk);
    },
  });
  await pipeline(object.Body as Readable, count, createWriteStream(path, { mode: 0o600 }));
  if (received !== expected) throw new ShortBody(received, expected);
  return hash.digest('hex');
}

class ShortBody extends Error {
  constructor(received: number, expected: number) {
    super(`the connection ended after ${received} of ${expected} bytes`);
  }
}

function transient(error: unknown): boolean {
  if (error instanceof ShortBody) return true;
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  if (status !== undefined) return status >= 500 || status === 429;
  // No HTTP answer at all: reset, refused, timed out, aborted body.
  return error instanceof Error;
}

export function describeError(error: unknown): string {
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  const message = error instanceof Error ? error.message || error.name : String(error);
  return status ? `HTTP ${status} (${message})` : message;
}

/** A call to the bucket whose failure becomes `ERR_SYNC_STORAGE`, saying what was attempted where. */
export async function storageCall<T>(config: SyncConfig, what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new MixchainError('ERR_SYNC_STORAGE', `Plugin storage failed to ${what} in bucket ${config.bucket} at ${config.endpoint}: ${describeError(error)}`, { cause: error });
  }
}
