// User files on local disk, under `<data>/files/<key>`. Files arrive complete (renamed into
// place), so a reader never sees half a file.
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { KeyLock } from './key-lock.js';
import { checkKey, type Storage, type StorageStats, type StorageStatus, type StoredFile } from './storage.js';

export class LocalStorage implements Storage {
  readonly scratchDir: string;
  private readonly root: string;
  private readonly lock = new KeyLock();
  // What is on disk: counted once at start, then kept up to date by put and delete.
  private bytes = 0;
  private files = 0;

  constructor(dataDir: string) {
    this.root = join(dataDir, 'files');
    this.scratchDir = join(dataDir, 'incoming');
    mkdirSync(this.root, { recursive: true, mode: 0o700 });
    mkdirSync(this.scratchDir, { recursive: true, mode: 0o700 });
    for (const folder of readdirSync(this.root, { withFileTypes: true })) {
      if (!folder.isDirectory()) continue;
      for (const file of readdirSync(join(this.root, folder.name), { withFileTypes: true })) {
        if (!file.isFile()) continue;
        this.bytes += statSync(join(this.root, folder.name, file.name)).size;
        this.files++;
      }
    }
  }

  private pathOf(key: string): string {
    return join(this.root, checkKey(key));
  }

  async put(key: string, file: string): Promise<StoredFile> {
    const target = this.pathOf(key);
    return this.lock.run(key, async () => {
      const before = await this.stat(key);
      await mkdir(dirname(target), { recursive: true, mode: 0o700 });
      await rename(file, target);
      const size = (await stat(target)).size;
      this.bytes += size - (before?.size ?? 0);
      if (!before) this.files++;
      return { key, size };
    });
  }

  async localPath(key: string): Promise<string | null> {
    return (await this.stat(key)) ? this.pathOf(key) : null;
  }

  async stat(key: string): Promise<StoredFile | null> {
    try {
      return { key, size: (await stat(this.pathOf(key))).size };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    const target = this.pathOf(key);
    await this.lock.run(key, async () => {
      const before = await this.stat(key);
      if (!before) return;
      await rm(target, { force: true });
      this.bytes -= before.size;
      this.files--;
    });
  }

  async presignedUrl(key: string): Promise<string | null> {
    checkKey(key);
    return null;
  }

  status(): StorageStatus {
    return { r2Configured: false, provider: 'local', bucket: null, publicUrl: null };
  }

  stats(): StorageStats {
    return {
      cacheBytes: this.bytes,
      cacheFiles: this.files,
      cacheHits: 0,
      cacheMisses: 0,
      pendingUploads: 0,
      failedUploads: 0,
      failedAttempts: 0,
      uploadedBytes: 0,
      uploadedFiles: 0,
      bucketReachable: null,
      lastError: null,
    };
  }

  async close(): Promise<void> {}
}
