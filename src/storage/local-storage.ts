// User files on local disk, under `<data>/files/<key>`. Files arrive complete (renamed into
// place), so a reader never sees half a file.
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { checkKey, type Storage, type StorageStatus, type StoredFile } from './storage.js';

export class LocalStorage implements Storage {
  readonly scratchDir: string;
  private readonly root: string;

  constructor(dataDir: string) {
    this.root = join(dataDir, 'files');
    this.scratchDir = join(dataDir, 'incoming');
    mkdirSync(this.root, { recursive: true, mode: 0o700 });
    mkdirSync(this.scratchDir, { recursive: true, mode: 0o700 });
  }

  private pathOf(key: string): string {
    return join(this.root, checkKey(key));
  }

  async put(key: string, file: string): Promise<StoredFile> {
    const target = this.pathOf(key);
    await mkdir(dirname(target), { recursive: true, mode: 0o700 });
    await rename(file, target);
    return { key, size: (await stat(target)).size };
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
    await rm(this.pathOf(key), { force: true });
  }

  async presignedUrl(): Promise<string | null> {
    return null;
  }

  status(): StorageStatus {
    return { r2Configured: false, provider: 'local', bucket: null, publicUrl: null };
  }
}
