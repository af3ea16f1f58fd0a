// Plugin bundle sync: lists the bucket, downloads only what changed since the last sync
// (ETag and size, from the manifest), with bounded concurrency and retries, verifies and
// installs each bundle atomically, and reports what it did. A bundle that fails (download,
// checksum, rejected archive) leaves its installed version untouched and is reported with why.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { MixchainError } from '../errors.js';
import { loadRecipe, type Recipe } from '../mix/recipe.js';
import type { SyncConfig } from './config.js';
import { DEFAULT_EXTRACT_LIMITS, extractBundle, type ExtractLimits } from './extract.js';
import { activate, isInstalled, newVersion, prepareFolders, readManifest, lockFolder, removeLeftovers, removeVersion, statePaths, uninstall, writeManifest } from './install.js';
import type { S3Client } from '@aws-sdk/client-s3';
import { createStorageClient, download, fetchChecksums, listBundles, type Listing, type RemoteBundle } from './storage.js';

export type SyncPhase = 'downloading' | 'installed' | 'unchanged' | 'failed' | 'removed';

export interface SyncProgress {
  bundle: string;
  phase: SyncPhase;
  /** Bytes downloaded so far over all bundles, and the total to download. */
  bytes: number;
  totalBytes: number;
}

export interface SyncOptions {
  /** Remove installed bundles the bucket no longer has. Default false (they are reported as stale). */
  prune?: boolean;
  /** Recipes (names, files or parsed) whose bundles must be in the bucket; checked before downloading. */
  recipes?: Array<string | Recipe>;
  /** Parallel downloads. Default 4. */
  concurrency?: number;
  limits?: Partial<ExtractLimits>;
  /** Download attempts per bundle. Default 4. */
  attempts?: number;
  /** First retry backoff in ms (doubled each time). Default 250. */
  backoffMs?: number;
  onProgress?: (progress: SyncProgress) => void;
  /** Objects per listing page. Default 1000 (the S3 maximum). */
  pageSize?: number;
  /** Called once after the sync when bundles were installed or removed, with their names. */
  onChange?: (changed: string[]) => void;
}

export interface SyncReport {
  bucket: string;
  prefix: string;
  localDir: string;
  installed: Array<{ name: string; size: number; etag: string }>;
  unchanged: string[];
  removed: string[];
  /** Installed here from an earlier sync, gone from the bucket, kept (no --prune). */
  stale: string[];
  failed: Array<{ name: string; code: string; reason: string }>;
  /** installed + removed: what a render pool must reload. */
  changed: string[];
  downloadedBytes: number;
  seconds: number;
}

/** Some bundles could not be installed; `report` says what was done, and why each failed. */
export class SyncFailedError extends MixchainError {
  constructor(readonly report: SyncReport, listed: number) {
    super('ERR_SYNC_FAILED', `${report.failed.length} of ${listed} bundles could not be installed (installed versions, if any, are kept): ${report.failed.map((f) => `${f.name}: ${f.reason}`).join('; ')}`);
  }
}

/** The bundle names a recipe's roles use (bare names; paths are not the bucket's business). */
export function recipeBundles(recipe: Recipe): string[] {
  const names = new Set<string>();
  for (const role of Object.values(recipe.roles)) {
    for (const plugin of role?.plugins ?? []) {
      if (!plugin.bundle.includes('/')) names.add(plugin.bundle.replace(/\.vst3$/, ''));
    }
  }
  return [...names].sort();
}

/**
 * Brings `config.localDir` in line with the bucket. Throws `ERR_SYNC_STORAGE` when the bucket
 * cannot be listed and `ERR_SYNC_MISSING_BUNDLES` when a recipe needs bundles the bucket lacks;
 * per-bundle failures are in the report (`failed`), and the call then throws `ERR_SYNC_FAILED`
 * carrying the report, after installing everything else.
 */
export async function syncBundles(config: SyncConfig, options: SyncOptions = {}): Promise<SyncReport> {
  const started = performance.now();
  const client = createStorageClient(config);
  try {
    const listing = await listBundles(client, config, options.pageSize);
    const inBucket = new Map(listing.bundles.map((b) => [b.name, b]));
    for (const recipe of options.recipes ?? []) {
      const parsed = typeof recipe === 'string' ? loadRecipe(recipe) : recipe;
      const missing = recipeBundles(parsed).filter((name) => !inBucket.has(name));
      if (missing.length > 0) {
        throw new MixchainError('ERR_SYNC_MISSING_BUNDLES', `Recipe ${parsed.name} needs bundles the bucket ${config.bucket} does not have under ${config.prefix}/: ${missing.map((m) => `${m}.vst3.zip`).join(', ')}`);
      }
    }

    await prepareFolders(config.localDir);
    const unlock = await lockFolder(config.localDir);
    try {
      return await installAll(config, client, listing, inBucket, options, started);
    } finally {
      await unlock();
    }
  } finally {
    client.destroy();
  }
}

/** The sync itself, under the folder's lock. */
async function installAll(config: SyncConfig, client: S3Client, listing: Listing, inBucket: Map<string, RemoteBundle>, options: SyncOptions, started: number): Promise<SyncReport> {
  await removeLeftovers(config.localDir);
  const manifest = readManifest(config.localDir);
  const report: SyncReport = {
    bucket: config.bucket,
    prefix: config.prefix,
    localDir: config.localDir,
    installed: [],
    unchanged: [],
    removed: [],
    stale: [],
    failed: [],
    changed: [],
    downloadedBytes: 0,
    seconds: 0,
  };
  const wanted: RemoteBundle[] = [];
  for (const bundle of listing.bundles) {
    const entry = manifest.bundles[bundle.name];
    if (entry && entry.etag === bundle.etag && entry.size === bundle.size && isInstalled(config.localDir, bundle.name, entry)) {
      report.unchanged.push(bundle.name);
    } else {
      wanted.push(bundle);
    }
  }
  const totalBytes = wanted.reduce((sum, b) => sum + b.size, 0);
  const progress = (bundle: string, phase: SyncPhase) => options.onProgress?.({ bundle, phase, bytes: report.downloadedBytes, totalBytes });
  report.unchanged.forEach((name) => progress(name, 'unchanged'));

  const checksums = wanted.length > 0 && listing.checksums ? await fetchChecksums(client, config, listing.checksums.key) : null;
  const limits = { ...DEFAULT_EXTRACT_LIMITS, ...options.limits };
  // Largest first: the bundles still downloading at the end, whose unpacking nothing overlaps, are the small ones.
  const queue = [...wanted].sort((a, b) => b.size - a.size);
  const worker = async () => {
    for (let bundle = queue.shift(); bundle; bundle = queue.shift()) {
      progress(bundle.name, 'downloading');
      try {
        await installOne(bundle);
        report.installed.push({ name: bundle.name, size: bundle.size, etag: bundle.etag });
        progress(bundle.name, 'installed');
      } catch (error) {
        const code = error instanceof MixchainError ? error.code : 'ERR_SYNC_INSTALL';
        report.failed.push({ name: bundle.name, code, reason: error instanceof Error ? error.message : String(error) });
        progress(bundle.name, 'failed');
      }
    }
  };
  const installOne = async (bundle: RemoteBundle) => {
    const paths = statePaths(config.localDir);
    const version = newVersion(bundle.name);
    const zip = join(paths.staging, `${version}.zip`);
    let active = false;
    try {
      const sha256 = await download(client, config, bundle, zip, {
        ...(options.attempts === undefined ? {} : { attempts: options.attempts }),
        ...(options.backoffMs === undefined ? {} : { backoffMs: options.backoffMs }),
        onBytes: (n) => (report.downloadedBytes += n),
      });
      const expected = checksums?.get(`${bundle.name}.vst3.zip`);
      if (checksums && expected === undefined) {
        throw new MixchainError('ERR_SYNC_CHECKSUM', `${bundle.key}: the bucket's ${config.prefix}/SHA256SUMS has no line for it`);
      }
      if (expected !== undefined && expected !== sha256) {
        throw new MixchainError('ERR_SYNC_CHECKSUM', `${bundle.key}: sha256 ${sha256} does not match ${expected} in ${config.prefix}/SHA256SUMS`);
      }
      try {
        await extractBundle(zip, bundle.name, join(paths.bundles, version), limits);
      } catch (error) {
        if (error instanceof MixchainError) throw error;
        throw new MixchainError('ERR_SYNC_ARCHIVE_INVALID', `${bundle.name}.vst3.zip could not be unpacked: ${error instanceof Error ? error.message : String(error)}`);
      }
      const previous = await activate(config.localDir, bundle.name, version);
      active = true;
      manifest.bundles[bundle.name] = { key: bundle.key, etag: bundle.etag, size: bundle.size, sha256, version, installedAt: new Date().toISOString() };
      if (previous && previous !== version) await removeVersion(config.localDir, previous);
    } catch (error) {
      if (!active) await removeVersion(config.localDir, version);
      throw error;
    } finally {
      await rm(zip, { force: true });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 4, wanted.length)) }, worker));

  for (const [name, entry] of Object.entries(manifest.bundles)) {
    if (inBucket.has(name)) continue;
    if (options.prune) {
      await uninstall(config.localDir, name, entry);
      delete manifest.bundles[name];
      report.removed.push(name);
      progress(name, 'removed');
    } else {
      report.stale.push(name);
    }
  }
  manifest.lastSync = new Date().toISOString();
  await writeManifest(config.localDir, manifest);
  report.installed.sort((a, b) => a.name.localeCompare(b.name));
  report.changed = [...report.installed.map((b) => b.name), ...report.removed].sort();
  report.seconds = (performance.now() - started) / 1000;
  if (report.changed.length > 0) options.onChange?.(report.changed);
  if (report.failed.length > 0) {
    throw new SyncFailedError(report, listing.bundles.length);
  }
  return report;
}
