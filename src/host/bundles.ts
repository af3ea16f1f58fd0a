// Finding plugin bundles by name in the usual VST3 folders.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, isAbsolute, resolve } from 'node:path';
import { MixchainError } from '../errors.js';
import { packageDirectory } from '../package-dir.js';

/**
 * The folders searched for a plugin given by name, in order: `VST_LINUX_DIR` (where synced
 * bundles are unpacked; default `/tmp/saas_mix_vst_linux`), `~/.vst3`, `/usr/lib/vst3`,
 * `/usr/local/lib/vst3`, the effects mixchain builds itself (`build/plugins`), then any extra
 * folders.
 */
export function pluginFolders(extra: readonly string[] = []): string[] {
  return [
    process.env.VST_LINUX_DIR || '/tmp/saas_mix_vst_linux',
    join(homedir(), '.vst3'),
    '/usr/lib/vst3',
    '/usr/local/lib/vst3',
    join(packageDirectory, 'build', 'plugins'),
    ...extra,
  ];
}

/**
 * The bundle path for `nameOrPath`: a path (anything with a slash or ending in `.vst3`) is
 * used as given; a bare name (`ZamComp`, `ZamComp.vst3`) is looked up in {@link pluginFolders}.
 * Throws `ERR_BUNDLE_NOT_FOUND` listing the folders searched.
 */
export function resolveBundle(nameOrPath: string, extraFolders: readonly string[] = []): string {
  const looksLikePath = nameOrPath.includes('/') || isAbsolute(nameOrPath);
  if (looksLikePath || (nameOrPath.endsWith('.vst3') && existsSync(nameOrPath))) {
    return resolve(nameOrPath);
  }
  const file = nameOrPath.endsWith('.vst3') ? nameOrPath : `${nameOrPath}.vst3`;
  const folders = pluginFolders(extraFolders);
  for (const folder of folders) {
    const candidate = join(folder, file);
    if (existsSync(candidate)) return candidate;
  }
  throw new MixchainError(
    'ERR_BUNDLE_NOT_FOUND',
    `Expected a plugin bundle ${file} in ${folders.join(', ')} but found none`,
  );
}

/** {@link resolveBundle}, or null when the bundle is not installed (other errors still throw). */
export function findBundle(nameOrPath: string, extraFolders: readonly string[] = []): string | null {
  try {
    return resolveBundle(nameOrPath, extraFolders);
  } catch (error) {
    if (error instanceof MixchainError && error.code === 'ERR_BUNDLE_NOT_FOUND') return null;
    throw error;
  }
}

/** Every `.vst3` bundle in the plugin folders, by name; earlier folders win. */
export function listBundles(extraFolders: readonly string[] = []): Map<string, string> {
  const found = new Map<string, string>();
  for (const folder of pluginFolders(extraFolders)) {
    let entries: string[];
    try {
      if (!statSync(folder).isDirectory()) continue;
      entries = readdirSync(folder);
    } catch {
      continue;  // a folder that does not exist is simply empty
    }
    for (const entry of entries.sort()) {
      if (!entry.endsWith('.vst3')) continue;
      const name = entry.slice(0, -'.vst3'.length);
      if (!found.has(name)) found.set(name, join(folder, entry));
    }
  }
  return found;
}
