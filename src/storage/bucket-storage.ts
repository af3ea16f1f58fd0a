// User files in an S3-compatible bucket (Cloudflare R2, S3, MinIO…) behind a local cache. A new
// file is renamed into the cache and usable at once; its upload runs in the background from a
// durable queue in the database, retried with capped backoff across bucket outages and restarts.
// Reads come from the cache, else are downloaded into it; the cache is bounded by TTL and size and
// never drops a file whose upload is still pending. Deletes go through the same queue, so a
// bucket that is down when a file is deleted loses the object when it is back.
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MixchainError } from '../errors.js';
import type { Log } from '../log.js';
import { attachment, contentTypeOf } from './content-types.js';
import { createStorageClient, describeError, withRetries, type ClientTimeouts } from '../sync/storage.js';
import type { BucketConfig } from './bucket-config.js';
import type { Db } from './database.js';
import { CacheIndex } from './file-cache.js';
import { KeyLock } from './key-lock.js';
import { checkKey, isKey, type Storage, type StorageStats, type StorageStatus, type StoredFile } from './storage.js';
import { UploadQueue, type BucketTask } from './upload-queue.js';

export type { BucketConfig } from './bucket-config.js';

// Fixed part size: R2 wants every part but the last of one size. Each upload buffers at most
// PART_SIZE * PART_QUEUE bytes, and TASKS_AT_ONCE uploads run side by side.
const PART_SIZE = 8 * 1024 * 1024;
const PART_QUEUE = 4;
const TASKS_AT_ONCE = 2;
// Smaller files go up in one streamed PUT: a multipart upload costs two more requests and a copy
// of each part in memory, which only pays off for large objects (S3's own guidance starts at
// about 100 MB). A 3-minute 24-bit stereo mix is about 48 MB.
const SINGLE_PUT_MAX = 64 * 1024 * 1024;
// The longest lifetime SigV4 allows a presigned URL.
const MAX_PRESIGNED_SECONDS = 604_800;
const CLEAN_EVERY_MS = 3_600_000;
// A bucket that accepts connections and then says nothing must not hold an upload slot forever.
const DEFAULT_TIMEOUTS: ClientTimeouts = { connectMs: 10_000, idleMs: 60_000 };
const FOLDERS = ['uploads', 'mixes'];

const notFound = (error: unknown) => (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode === 404;

export class BucketStorage implements Storage {
  readonly scratchDir: string;
  /** Downloads in progress, renamed into the cache when complete. */
  private readonly partialDir: string;
  private readonly client: S3Client;
  private readonly cache: CacheIndex;
  private readonly queue: UploadQueue;
  private readonly lock = new KeyLock();
  /**
   * Tasks running, by key. A newer put or a delete of the key waits for the running attempt to
   * end rather than aborting it: an aborted request may still land after the next one. Only
   * close() aborts.
   */
  private readonly running = new Map<string, { abort: AbortController; done: Promise<void> }>();
  private readonly counters = { cacheHits: 0, cacheMisses: 0, failedAttempts: 0, uploadedBytes: 0, uploadedFiles: 0 };
  private reachable: boolean | null = null;
  private lastError: string | null = null;
  private started = false;
  private closed = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private cleanTimer: NodeJS.Timeout | null = null;
  private drainWaiters: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  /** Callers of landed(), by key. */
  private readonly landWaiters = new Map<string, Array<{ resolve: () => void; reject: (error: Error) => void }>>();

  constructor(
    private readonly config: BucketConfig,
    private readonly db: Db,
    private readonly log: Log = () => {},
    timeouts: ClientTimeouts = DEFAULT_TIMEOUTS,
  ) {
    this.scratchDir = join(config.cacheDir, '.incoming');
    this.partialDir = join(config.cacheDir, '.partial');
    mkdirSync(this.scratchDir, { recursive: true, mode: 0o700 });
    mkdirSync(this.partialDir, { recursive: true, mode: 0o700 });
    this.client = createStorageClient({ ...config, provider: config.provider === 'cloudflare-r2' ? 'r2' : 's3-compatible' }, timeouts);
    this.cache = new CacheIndex(db);
    this.queue = new UploadQueue(db);
  }

  /** Cleans the cache (TTL, size) and starts the background uploader, which resumes the durable queue. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.reconcile();
    await this.cleanCache();
    this.cleanTimer = setInterval(() => {
      this.cleanCache().catch((error: unknown) => this.log('error', 'storage cache cleanup failed', { error: describeError(error) }));
    }, CLEAN_EVERY_MS);
    this.cleanTimer.unref();
    // Waits a previous process chose are no reason to wait now.
    this.queue.retryAllNow(Date.now());
    this.pump();
  }

  /** Resolves when the queue (uploads and deletes) is empty. */
  drained(): Promise<void> {
    if (this.closed) return Promise.reject(this.closedError());
    if (this.queue.counts().tasks === 0 && this.running.size === 0) return Promise.resolve();
    return new Promise((resolve, reject) => this.drainWaiters.push({ resolve, reject }));
  }

  private pathOf(key: string): string {
    return join(this.config.cacheDir, checkKey(key));
  }

  async put(key: string, file: string): Promise<StoredFile> {
    const target = this.pathOf(key);
    const stored = await this.lock.run(key, async () => {
      await mkdir(dirname(target), { recursive: true, mode: 0o700 });
      await rename(file, target);
      const { size } = await stat(target);
      const now = Date.now();
      this.db.transaction(() => {
        this.cache.add(key, size, now);
        this.queue.enqueue(key, 'put', size, now);
      })();
      return { key, size };
    });
    this.pump();
    if (this.config.writeThrough) await this.landed(key);
    return stored;
  }

  /** Resolves when no upload of `key` is queued (its latest put reached the bucket, or was replaced by a delete). */
  landed(key: string): Promise<void> {
    if (this.closed) return Promise.reject(this.closedError());
    if (this.queue.get(key)?.action !== 'put') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiters = this.landWaiters.get(key) ?? [];
      waiters.push({ resolve, reject });
      this.landWaiters.set(key, waiters);
    });
  }

  async localPath(key: string): Promise<string | null> {
    const path = this.pathOf(key);
    if (this.deleting(key)) return null;
    if (await this.cached(key, path)) return path;
    return this.lock.run(key, async () => {
      if (this.deleting(key)) return null;
      if (await this.cached(key, path)) return path;
      this.counters.cacheMisses++;
      const size = await this.download(key, path);
      if (size === null) {
        this.cache.remove(key);
        return null;
      }
      this.cache.add(key, size, Date.now());
      return path;
    });
  }

  async stat(key: string): Promise<StoredFile | null> {
    checkKey(key);
    if (this.deleting(key)) return null;
    const entry = this.cache.get(key);
    if (entry) return { key, size: entry.size };
    const head = await this.bucketCall(`look up ${key}`, () => withRetries(() => this.client.send(new HeadObjectCommand({ Bucket: this.config.bucket, Key: key }))));
    return head ? { key, size: head.ContentLength ?? 0 } : null;
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    await this.lock.run(key, async () => {
      this.db.transaction(() => {
        this.cache.remove(key);
        this.queue.enqueue(key, 'delete', 0, Date.now());
      })();
      await rm(path, { force: true });
    });
    this.tellLanded(key);
    this.pump();
  }

  async presignedUrl(key: string, ttlSeconds: number, filename: string): Promise<string | null> {
    checkKey(key);
    // Not in the bucket yet (or on its way out): the service serves it from the cache.
    if (this.queue.get(key)) return null;
    if (this.config.publicUrl) return `${this.config.publicUrl}/${key}`;
    const command = new GetObjectCommand({ Bucket: this.config.bucket, Key: key, ResponseContentDisposition: attachment(filename) });
    return getSignedUrl(this.client, command, { expiresIn: Math.max(1, Math.min(Math.floor(ttlSeconds), MAX_PRESIGNED_SECONDS)) });
  }

  status(): StorageStatus {
    return { r2Configured: true, provider: this.config.provider, bucket: this.config.bucket, publicUrl: this.config.publicUrl };
  }

  stats(): StorageStats {
    const { bytes, files } = this.cache.totals();
    const { uploads, failedUploads } = this.queue.counts();
    return { cacheBytes: bytes, cacheFiles: files, ...this.counters, pendingUploads: uploads, failedUploads, bucketReachable: this.reachable, lastError: this.lastError };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.cleanTimer) clearInterval(this.cleanTimer);
    for (const task of this.running.values()) task.abort.abort();
    await Promise.all([...this.running.values()].map((task) => task.done));
    for (const waiter of [...this.drainWaiters.splice(0), ...[...this.landWaiters.values()].flat()]) waiter.reject(this.closedError());
    this.landWaiters.clear();
    this.client.destroy();
  }

  /** Runs one cache cleanup: files not read for the TTL go, then the least recently used while over the size. */
  async cleanCache(now = new Date()): Promise<{ evicted: number; bytes: number }> {
    const cutoff = now.getTime() - this.config.cacheTtlHours * 3_600_000;
    let total = this.cache.totals().bytes;
    const gone = { evicted: 0, bytes: 0 };
    for (const entry of this.cache.leastRecentFirst()) {
      if (entry.accessedAt >= cutoff && total <= this.config.cacheMaxBytes) break;
      const size = await this.lock.run(entry.key, async () => {
        const current = this.cache.get(entry.key);
        if (!current || this.queue.get(entry.key)?.action === 'put') return 0;
        if (current.accessedAt >= cutoff && total <= this.config.cacheMaxBytes) return 0;
        this.cache.remove(entry.key);
        await rm(join(this.config.cacheDir, entry.key), { force: true });
        gone.evicted++;
        return current.size;
      });
      total -= size;
      gone.bytes += size;
    }
    if (gone.evicted > 0) this.log('info', 'storage cache cleanup', { ...gone, cacheBytes: total });
    return gone;
  }

  private deleting(key: string): boolean {
    return this.queue.get(key)?.action === 'delete';
  }

  /** A cache hit: the index has the key and its file is there. Marks it used. */
  private async cached(key: string, path: string): Promise<boolean> {
    if (!this.cache.get(key)) return false;
    try {
      await stat(path);
    } catch {
      return false;
    }
    this.cache.touch(key, Date.now());
    this.counters.cacheHits++;
    return true;
  }

  /** Downloads the object into the cache (complete or not at all); its size, or null when the bucket has no such object. */
  private async download(key: string, path: string): Promise<number | null> {
    const partial = join(this.partialDir, randomUUID());
    const size = await this.bucketCall(`download ${key}`, () =>
      withRetries(
        async () => {
          const object = await this.client.send(new GetObjectCommand({ Bucket: this.config.bucket, Key: key }));
          await pipeline(object.Body as Readable, createWriteStream(partial, { mode: 0o600 }));
          const { size } = await stat(partial);
          if (object.ContentLength !== undefined && size !== object.ContentLength) throw new Error(`the connection ended after ${size} of ${object.ContentLength} bytes`);
          return size;
        },
        {},
        () => rm(partial, { force: true }),
      ),
    );
    if (size === null) return null;
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await rename(partial, path);
    return size;
  }

  /** A call to the bucket: its answer, null for 404, else ERR_STORAGE_UNAVAILABLE. Records reachability. */
  private async bucketCall<T>(what: string, call: () => Promise<T>): Promise<T | null> {
    try {
      const answer = await call();
      this.answered();
      return answer;
    } catch (error) {
      if (notFound(error)) {
        this.answered();
        return null;
      }
      this.unreachable(error);
      throw new MixchainError('ERR_STORAGE_UNAVAILABLE', `Expected bucket ${this.config.bucket} to ${what} but it failed: ${describeError(error)}`, { cause: error });
    }
  }

  private answered(): void {
    const wasDown = this.reachable === false;
    this.reachable = true;
    if (wasDown) {
      this.log('info', 'storage bucket reachable again', { bucket: this.config.bucket });
      this.queue.retryAllNow(Date.now());
      this.pump();
    }
  }

  private unreachable(error: unknown): void {
    this.reachable = false;
    this.lastError = describeError(error);
  }

  /** Starts the tasks that are due (one at a time while the bucket is down) and sets the timer for the next. */
  private pump(): void {
    if (!this.started || this.closed) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const busy = new Set(this.running.keys());
    const capacity = this.reachable === false ? 1 : TASKS_AT_ONCE;
    for (const task of this.queue.due(Date.now(), capacity - busy.size, busy)) this.run(task);
    if (this.running.size === 0 && this.queue.counts().tasks === 0) {
      for (const waiter of this.drainWaiters.splice(0)) waiter.resolve();
      return;
    }
    // With every slot taken, the next task to finish pumps again.
    const next = this.running.size < capacity ? this.queue.nextDue(new Set(this.running.keys())) : null;
    if (next !== null) {
      this.retryTimer = setTimeout(() => this.pump(), Math.max(0, next - Date.now()));
      this.retryTimer.unref();
    }
  }

  private run(task: BucketTask): void {
    const abort = new AbortController();
    const attempt = task.action === 'put' ? this.upload(task, abort) : this.removeObject(task, abort);
    const done = attempt
      .then(
        () => this.succeeded(task),
        (error: unknown) => this.failed(task, error, abort.signal.aborted),
      )
      .catch((error: unknown) => this.log('error', 'storage queue bookkeeping failed', { key: task.key, error: describeError(error) }))
      .finally(() => {
        this.running.delete(task.key);
        this.pump();
      });
    this.running.set(task.key, { abort, done });
  }

  private async upload(task: BucketTask, abort: AbortController): Promise<void> {
    const path = join(this.config.cacheDir, task.key);
    const size = (await stat(path)).size;
    const body = createReadStream(path);
    const params = { Bucket: this.config.bucket, Key: task.key, Body: body, ContentType: contentTypeOf(extname(task.key).slice(1)) };
    try {
      if (size <= SINGLE_PUT_MAX) {
        await this.client.send(new PutObjectCommand({ ...params, ContentLength: size }), { abortSignal: abort.signal });
        return;
      }
      await new Upload({ client: this.client, params, partSize: PART_SIZE, queueSize: PART_QUEUE, abortController: abort }).done();
    } finally {
      body.destroy();
    }
  }


  private async removeObject(task: BucketTask, abort: AbortController): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: task.key }), { abortSignal: abort.signal });
  }

  private succeeded(task: BucketTask): void {
    this.answered();
    if (task.action === 'put') {
      this.counters.uploadedFiles++;
      this.counters.uploadedBytes += task.size;
    }
    this.queue.finish(task.key, task.version);
    this.tellLanded(task.key);
  }

  private tellLanded(key: string): void {
    const waiters = this.landWaiters.get(key);
    if (!waiters || this.queue.get(key)?.action === 'put') return;
    this.landWaiters.delete(key);
    for (const waiter of waiters) waiter.resolve();
  }

  private failed(task: BucketTask, error: unknown, aborted: boolean): void {
    // Abandoned at close (the row stays as it was), or replaced by a newer put or a delete.
    if (aborted || this.queue.get(task.key)?.version !== task.version) return;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      // The cached file vanished from under the storage: no attempt can succeed.
      this.queue.finish(task.key, task.version);
      this.tellLanded(task.key);
      this.log('error', 'storage upload dropped: its cached file is gone', { key: task.key });
      return;
    }
    this.unreachable(error);
    this.counters.failedAttempts++;
    const attempts = task.attempts + 1;
    const backoffMs = Math.min(this.config.retryMaxSeconds * 1000, 1000 * 2 ** (attempts - 1)) * (0.5 + Math.random() / 2);
    this.queue.failed(task.key, task.version, describeError(error), Date.now() + backoffMs);
    this.log('warn', `storage ${task.action === 'put' ? 'upload' : 'delete'} failed; will retry`, { key: task.key, attempts, retryInSeconds: Math.round(backoffMs / 100) / 10, error: describeError(error) });
  }

  /**
   * Brings the index in line with the cache folder after a stop: files the index lacks (a crash
   * between rename and record) become evictable entries, entries without a file go, and a file
   * whose delete is queued is removed. Downloads cut short by the stop are thrown away.
   */
  private async reconcile(): Promise<void> {
    await rm(this.partialDir, { recursive: true, force: true });
    await mkdir(this.partialDir, { recursive: true, mode: 0o700 });
    const onDisk = new Map<string, { size: number; modified: number }>();
    for (const folder of FOLDERS) {
      const names = await readdir(join(this.config.cacheDir, folder)).catch(() => [] as string[]);
      for (const name of names) {
        const key = `${folder}/${name}`;
        if (!isKey(key)) continue;
        const file = await stat(join(this.config.cacheDir, key)).catch(() => null);
        if (file?.isFile()) onDisk.set(key, { size: file.size, modified: file.mtimeMs });
      }
    }
    for (const entry of this.cache.leastRecentFirst()) if (!onDisk.has(entry.key)) this.cache.remove(entry.key);
    for (const task of this.queue.all()) {
      if (task.action === 'put' && !onDisk.has(task.key)) {
        this.queue.finish(task.key, task.version);
        this.log('error', 'storage upload dropped: its cached file is gone', { key: task.key });
      }
    }
    for (const [key, file] of onDisk) {
      if (this.deleting(key)) await rm(join(this.config.cacheDir, key), { force: true });
      else if (!this.cache.get(key)) this.cache.add(key, file.size, Math.round(file.modified));
    }
  }

  private closedError(): MixchainError {
    return new MixchainError('ERR_STORAGE_CLOSED', 'Expected the upload queue to drain but the storage was closed first (what is queued goes up after the next start)');
  }
}
