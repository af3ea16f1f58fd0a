// Where the plugin bundles come from and go to, from the environment variables of the system
// mixchain replaces (R2_*, VST_LINUX_DIR), checked before anything connects. Secrets are never
// part of an error, a report or a log line.
import { MixchainError } from '../errors.js';

export interface SyncConfig {
  accountId: string | null;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
  /** Object prefix of the bundles, without a trailing slash. Default `vst_linux`. */
  prefix: string;
  /** Where bundles are installed. Default `/tmp/saas_mix_vst_linux`. */
  localDir: string;
  /** The S3 endpoint: `R2_ENDPOINT`, else `https://<R2_ACCOUNT_ID>.r2.cloudflarestorage.com`. */
  endpoint: string;
  /** `r2` for Cloudflare's endpoint, else `s3-compatible`. */
  provider: 'r2' | 's3-compatible';
}

/** What may be shown of a configuration: everything but the secrets. */
export interface PublicSyncConfig {
  provider: SyncConfig['provider'];
  endpoint: string;
  bucket: string;
  prefix: string;
  localDir: string;
}

export const DEFAULT_PREFIX = 'vst_linux';
export const DEFAULT_LOCAL_DIR = '/tmp/saas_mix_vst_linux';

const configError = (message: string) => new MixchainError('ERR_SYNC_CONFIG', message);

/**
 * The sync configuration from `env` (default `process.env`). Throws `ERR_SYNC_CONFIG` naming
 * every missing or malformed variable.
 */
export function syncConfigFromEnv(env: NodeJS.ProcessEnv = process.env): SyncConfig {
  const value = (name: string) => env[name]?.trim() || undefined;
  const problems: string[] = [];
  for (const name of ['R2_ACCESS_KEY_ID', 'R2_SECRET_ACCESS_KEY', 'R2_BUCKET_NAME']) {
    if (!value(name)) problems.push(`${name} is not set`);
  }
  const accountId = value('R2_ACCOUNT_ID') ?? null;
  const endpoint = r2Endpoint(value, problems);
  const prefix = (value('R2_VST_PREFIX') ?? DEFAULT_PREFIX).replace(/^\/+|\/+$/g, '');
  const localDir = value('VST_LINUX_DIR') ?? DEFAULT_LOCAL_DIR;
  if (problems.length > 0) {
    throw configError(`Plugin storage is not configured: ${problems.join('; ')}. Set R2_ACCOUNT_ID (or R2_ENDPOINT), R2_ACCESS_KEY_ID, R2_SECRET_ACCESS_KEY and R2_BUCKET_NAME.`);
  }
  return {
    accountId,
    accessKeyId: value('R2_ACCESS_KEY_ID')!,
    secretAccessKey: value('R2_SECRET_ACCESS_KEY')!,
    bucket: value('R2_BUCKET_NAME')!,
    prefix,
    localDir,
    endpoint: endpoint!,
    provider: isR2Endpoint(endpoint!) ? 'r2' : 's3-compatible',
  };
}

/**
 * The S3 endpoint: `R2_ENDPOINT`, else Cloudflare's for `R2_ACCOUNT_ID` (shared by plugin sync
 * and the bucket of user files). What is missing or malformed is added to `problems`.
 */
export function r2Endpoint(value: (name: string) => string | undefined, problems: string[]): string | undefined {
  const accountId = value('R2_ACCOUNT_ID');
  let endpoint = value('R2_ENDPOINT');
  if (!endpoint && !accountId) problems.push('R2_ACCOUNT_ID (or R2_ENDPOINT) is not set');
  if (accountId && !/^[A-Za-z0-9-]+$/.test(accountId)) problems.push('R2_ACCOUNT_ID is not an account id (letters, digits, dashes)');
  endpoint ??= accountId ? `https://${accountId}.r2.cloudflarestorage.com` : undefined;
  if (endpoint) {
    try {
      const url = new URL(endpoint);
      if (url.protocol !== 'https:' && url.protocol !== 'http:') problems.push(`R2_ENDPOINT is not an http(s) URL (got ${url.protocol})`);
    } catch {
      problems.push('R2_ENDPOINT is not a URL');
    }
  }
  return endpoint;
}

/** Cloudflare R2's account endpoint (virtual-hosted addressing), as opposed to other S3-compatible servers. */
export function isR2Endpoint(endpoint: string): boolean {
  return new URL(endpoint).hostname.endsWith('.r2.cloudflarestorage.com');
}

export function publicConfig(config: SyncConfig): PublicSyncConfig {
  return { provider: config.provider, endpoint: config.endpoint, bucket: config.bucket, prefix: config.prefix, localDir: config.localDir };
}
