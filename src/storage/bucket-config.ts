// Where user files go when a bucket is configured: the R2_* variables plugin sync reads (with
// R2_MEDIA_BUCKET for a bucket of their own), the public URL of a public bucket, and the local
// cache in front of it. Checked at start; messages name variables, never their secret values.
import { join } from 'node:path';
import { MixchainError } from '../errors.js';
import { isR2Endpoint, r2Endpoint } from '../sync/config.js';
import { yesOrNo } from '../validate.js';

export interface BucketConfig {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
  /** `cloudflare-r2` for an R2 account endpoint, else `s3`. */
  provider: 'cloudflare-r2' | 's3';
  /** Base URL of a public bucket without a trailing slash (links are `${publicUrl}/${key}`), or null: presigned URLs. */
  publicUrl: string | null;
  cacheDir: string;
  /** A cached file not read for this long is dropped from the cache (it stays in the bucket). */
  cacheTtlHours: number;
  cacheMaxBytes: number;
  /** Cap of the upload retry backoff (1 s, 2 s, 4 s … with jitter). */
  retryMaxSeconds: number;
  /**
   * `put` returns only once the object is in the bucket (still retried across outages), not as
   * soon as it is cached: in distributed mode other nodes read the file from the bucket at once.
   */
  writeThrough?: boolean;
}

const R2_VARIABLES = ['R2_ACCOUNT_ID', 'R2_ENDPOINT', 'R2_ACCESS_KEY_ID', 'R2_SECRET_ACCESS_KEY', 'R2_MEDIA_BUCKET', 'R2_BUCKET_NAME', 'R2_PUBLIC_URL'];
const GIB = 1024 ** 3;

/**
 * The bucket of user files from `env`, or null when none is configured (no R2 variable set, or
 * USE_R2_STORAGE=false). Throws ERR_CONFIG naming every missing or malformed variable.
 */
export function bucketConfigFromEnv(env: NodeJS.ProcessEnv, dataDir: string): BucketConfig | null {
  const value = (name: string) => env[name]?.trim() || undefined;
  const problems: string[] = [];
  const use = value('USE_R2_STORAGE');
  const wanted = use === undefined ? null : yesOrNo(use);
  if (use !== undefined && wanted === null) problems.push(`USE_R2_STORAGE is not true or false (got '${use.slice(0, 20)}')`);
  if (wanted === false || (wanted === null && use === undefined && !R2_VARIABLES.some(value))) return null;

  const endpoint = r2Endpoint(value, problems);
  for (const name of ['R2_ACCESS_KEY_ID', 'R2_SECRET_ACCESS_KEY']) if (!value(name)) problems.push(`${name} is not set`);
  const bucket = value('R2_MEDIA_BUCKET') ?? value('R2_BUCKET_NAME');
  if (!bucket) problems.push('R2_MEDIA_BUCKET (or R2_BUCKET_NAME) is not set');
  const publicUrl = value('R2_PUBLIC_URL')?.replace(/\/+$/, '') ?? null;
  if (publicUrl && !/^https?:\/\/[^/]/.test(publicUrl)) problems.push('R2_PUBLIC_URL is not an http(s) URL');
  const number = (name: string, fallback: number, min: number, max: number, integer = false) => {
    const text = value(name);
    if (text === undefined) return fallback;
    const parsed = Number(text);
    if (!Number.isFinite(parsed) || parsed < min || parsed > max || (integer && !Number.isInteger(parsed))) {
      problems.push(`${name} is not ${integer ? 'an integer' : 'a number'} from ${min} to ${max} (got '${text.slice(0, 20)}')`);
    }
    return parsed;
  };
  const cacheTtlHours = number('CACHE_TTL_HOURS', 24, 0.001, 24 * 365);
  const cacheMaxGb = number('CACHE_MAX_GB', 10, 0.001, 1024 * 1024);
  const retryMaxSeconds = number('STORAGE_RETRY_MAX_S', 300, 1, 86_400, true);
  if (problems.length > 0) {
    throw new MixchainError(
      'ERR_CONFIG',
      `Expected R2_ACCOUNT_ID (or R2_ENDPOINT), R2_ACCESS_KEY_ID, R2_SECRET_ACCESS_KEY and R2_MEDIA_BUCKET (or R2_BUCKET_NAME) for user files in a bucket but ${problems.join('; ')}.`,
    );
  }
  return {
    endpoint: endpoint!,
    accessKeyId: value('R2_ACCESS_KEY_ID')!,
    secretAccessKey: value('R2_SECRET_ACCESS_KEY')!,
    bucket: bucket!,
    provider: isR2Endpoint(endpoint!) ? 'cloudflare-r2' : 's3',
    publicUrl,
    cacheDir: value('CACHE_DIR') ?? join(dataDir, 'cache'),
    cacheTtlHours,
    cacheMaxBytes: Math.round(cacheMaxGb * GIB),
    retryMaxSeconds,
  };
}
