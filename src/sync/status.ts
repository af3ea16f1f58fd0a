// What is installed and what the bucket has: `mixchain plugins ls` and `mixchain plugins status`.
import { readdirSync } from 'node:fs';
import { MixchainError } from '../errors.js';
import { builtinRecipes, loadRecipe } from '../mix/recipe.js';
import { findBundle } from '../host/bundles.js';
import { publicConfig, syncConfigFromEnv, DEFAULT_LOCAL_DIR, type PublicSyncConfig, type SyncConfig } from './config.js';
import { readManifest } from './install.js';
import { createStorageClient, listBundles } from './storage.js';
import { recipeBundles } from './sync.js';

export interface LocalBundle {
  name: string;
  /** `sync`: installed by a sync (etag/size known); `manual`: put there by hand. */
  source: 'sync' | 'manual';
  etag: string | null;
  size: number | null;
  installedAt: string | null;
  /** Whether the bucket has another version (null: not asked, or not configured). */
  newerInBucket: boolean | null;
  /** Whether the bucket still has it at all (null: not asked). */
  inBucket: boolean | null;
}

/** Bundles in the plugin folder, with what the last sync recorded; `remote` also lists the bucket. */
export async function localBundles(config: SyncConfig | { localDir: string }, remote: boolean): Promise<LocalBundle[]> {
  const manifest = readManifest(config.localDir);
  let entries: string[] = [];
  try {
    entries = readdirSync(config.localDir).filter((e) => e.endsWith('.vst3') && !e.startsWith('.'));
  } catch {
    entries = [];
  }
  const listing = remote && 'bucket' in config ? await listRemote(config) : null;
  return entries.sort().map((entry) => {
    const name = entry.slice(0, -'.vst3'.length);
    const synced = manifest.bundles[name];
    const there = listing?.get(name);
    return {
      name,
      source: synced ? 'sync' : 'manual',
      etag: synced?.etag ?? null,
      size: synced?.size ?? null,
      installedAt: synced?.installedAt ?? null,
      newerInBucket: listing ? there !== undefined && there !== synced?.etag : null,
      inBucket: listing ? there !== undefined : null,
    };
  });
}

async function listRemote(config: SyncConfig): Promise<Map<string, string>> {
  const client = createStorageClient(config);
  try {
    return new Map((await listBundles(client, config)).bundles.map((b) => [b.name, b.etag]));
  } finally {
    client.destroy();
  }
}

export interface PluginStatus {
  configured: boolean;
  /** Why not, naming the variables, when not configured. */
  problem: string | null;
  storage: PublicSyncConfig | null;
  localDir: string;
  lastSync: string | null;
  installed: number;
  /** For each built-in recipe (and any asked for): the bundles it needs that are not installed. */
  missing: Record<string, string[]>;
}

/** Configured? Which provider, bucket, prefix; when the last sync ran; what recipes miss. Never throws for configuration. */
export function pluginStatus(env: NodeJS.ProcessEnv = process.env, recipes: string[] = builtinRecipes()): PluginStatus {
  let config: SyncConfig | null = null;
  let problem: string | null = null;
  try {
    config = syncConfigFromEnv(env);
  } catch (error) {
    if (!(error instanceof MixchainError)) throw error;
    problem = error.message;
  }
  const localDir = config?.localDir ?? (env.VST_LINUX_DIR?.trim() || DEFAULT_LOCAL_DIR);
  const manifest = readManifest(localDir);
  const missing: Record<string, string[]> = {};
  for (const name of recipes) {
    const recipe = loadRecipe(name);
    missing[recipe.name] = recipeBundles(recipe).filter((bundle) => findBundle(bundle, [localDir]) === null);
  }
  return {
    configured: config !== null,
    problem,
    storage: config ? publicConfig(config) : null,
    localDir,
    lastSync: manifest.lastSync,
    installed: Object.keys(manifest.bundles).length,
    missing,
  };
}
