// The local side of the sync: the manifest of what was installed from the bucket, and the
// atomic install. Each version of a bundle is unpacked into a folder of its own under
// `.mixchain/bundles/`; `<Name>.vst3` in the plugin folder is a symlink to the current one,
// replaced by rename(2), so a host resolving it sees the old complete version or the new
// complete version, never a half-written one. (Plugin registries key modules by their real
// path, so a new version loads as a new module.)
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, realpathSync } from 'node:fs';
import { mkdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
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
    const target = await readlink(link);
    const inStore = relative(paths.bundles, join(localDir, target)).split('/')[0];
    if (inStore && !inStore.startsWith('..')) previous = inStore;
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
