// The local side of the sync: the manifest of what was installed from the bucket, and the
// atomic install. Each version of a bundle is unpacked into a folder of its own under
// `.mixchain/bundles/`; `<Name>.vst3` in the plugin folder is a symlink to the current one,
// replaced by rename(2), so a host resolving it sees the old complete version or the new
// complete version, never a half-written one. (Plugin registries key modules by their real
// path, so a new version loads as a new module.)
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { mkdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { MixchainError } from '../errors.js';
import { ARCH_FOLDER } from './extract.js';

export interface InstalledBundle {
  key: string;
  etag: string;
  size: number;
  sha256: string;
  /** The version folder under `.mixchain/bundles/`. */
  version: string;
  installedAt: string;
}

export interface Manifest {
  version: 1;
  lastSync: string | null;
  bundles: Record<string, InstalledBundle>;
}

export const STATE_FOLDER = '.mixchain';

export const statePaths = (localDir: string) => ({
  manifest: join(localDir, STATE_FOLDER, 'manifest.json'),
  bundles: join(localDir, STATE_FOLDER, 'bundles'),
  staging: join(localDir, STATE_FOLDER, 'staging'),
});

export function readManifest(localDir: string): Manifest {
  try {
    const parsed = JSON.parse(readFileSync(statePaths(localDir).manifest, 'utf8')) as Manifest;
    if (parsed.version === 1 && typeof parsed.bundles === 'object') return parsed;
  } catch {
    // absent or unreadable: nothing is known to be installed from the bucket
  }
  return { version: 1, lastSync: null, bundles: {} };
}

export async function writeManifest(localDir: string, manifest: Manifest): Promise<void> {
  const path = statePaths(localDir).manifest;
  const partial = `${path}.${randomBytes(4).toString('hex')}.partial`;
  await writeFile(partial, `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(partial, path);
}

export async function prepareFolders(localDir: string): Promise<void> {
  const paths = statePaths(localDir);
  await mkdir(paths.bundles, { recursive: true });
  await mkdir(paths.staging, { recursive: true });
}

/** A fresh, unique version folder name for a bundle. */
export const newVersion = (name: string) => `${name}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;

/** Whether the installed link of `name` leads to a complete bundle of the recorded version. */
export function isInstalled(localDir: string, name: string, entry: InstalledBundle | undefined): boolean {
  if (!entry) return false;
  const link = join(localDir, `${name}.vst3`);
  try {
    const expected = join(statePaths(localDir).bundles, entry.version, `${name}.vst3`);
    return realpathSync(link) === realpathSync(expected) && existsSync(join(expected, 'Contents', ARCH_FOLDER, `${name}.so`));
  } catch {
    return false;
  }
}

/**
 * Points `<name>.vst3` at the version folder `version` (already extracted and verified),
 * atomically. A real folder of that name (installed by hand) is moved into the version store
 * first. Returns the version it replaced, if any.
 */
export async function activate(localDir: string, name: string, version: string): Promise<string | null> {
  const paths = statePaths(localDir);
  const link = join(localDir, `${name}.vst3`);
  let previous: string | null = null;
  const existing = lstatSync(link, { throwIfNoEntry: false });
  if (existing?.isSymbolicLink()) {
    previous = await linkedVersion(localDir, link);
  } else if (existing) {
    previous = `${name}-manual-${randomBytes(3).toString('hex')}`;
    await mkdir(join(paths.bundles, previous));
    await rename(link, join(paths.bundles, previous, `${name}.vst3`));
  }
  const temporary = join(paths.staging, `${name}.${randomBytes(4).toString('hex')}.link`);
  await symlink(relative(localDir, join(paths.bundles, version, `${name}.vst3`)), temporary);
  await rename(temporary, link);
  return previous;
}

/** The version folder a bundle link points into, or null when it points elsewhere. */
async function linkedVersion(localDir: string, link: string): Promise<string | null> {
  const version = relative(statePaths(localDir).bundles, join(localDir, await readlink(link))).split('/')[0];
  return version && !version.startsWith('..') ? version : null;
}

/** Holds the folder's sync lock (one sync at a time); throws ERR_SYNC_BUSY naming the holder. */
export async function lockFolder(localDir: string): Promise<() => Promise<void>> {
  const lock = join(localDir, STATE_FOLDER, 'sync.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(lock, String(process.pid), { flag: 'wx' });
      return () => rm(lock, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(lock, 'utf8'));
      if (holder > 0 && processAlive(holder)) {
        throw new MixchainError('ERR_SYNC_BUSY', `Another sync (process ${holder}) is installing into ${localDir}; try again when it has finished`);
      }
      await rm(lock, { force: true });  // left by a sync that died
    }
  }
  throw new MixchainError('ERR_SYNC_BUSY', `Could not take the sync lock of ${localDir}`);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes what an interrupted sync left behind: staged downloads and links, and version folders
 * no `<Name>.vst3` link points to.
 */
export async function removeLeftovers(localDir: string): Promise<void> {
  const paths = statePaths(localDir);
  await Promise.all(readdirSync(paths.staging).map((entry) => rm(join(paths.staging, entry), { recursive: true, force: true })));
  const inUse = new Set<string>();
  for (const entry of readdirSync(localDir)) {
    if (!entry.endsWith('.vst3') || !lstatSync(join(localDir, entry)).isSymbolicLink()) continue;
    const version = await linkedVersion(localDir, join(localDir, entry));
    if (version) inUse.add(version);
  }
  await Promise.all(readdirSync(paths.bundles).filter((v) => !inUse.has(v)).map((v) => removeVersion(localDir, v)));
}

/** Removes a version folder (a process that loaded its plugin keeps its mapping). */
export async function removeVersion(localDir: string, version: string): Promise<void> {
  await rm(join(statePaths(localDir).bundles, version), { recursive: true, force: true });
}

/** Removes the link of `name` and its version folder. */
export async function uninstall(localDir: string, name: string, entry: InstalledBundle): Promise<void> {
  const link = join(localDir, `${name}.vst3`);
  if (lstatSync(link, { throwIfNoEntry: false })?.isSymbolicLink()) await rm(link);
  await removeVersion(localDir, entry.version);
}
