// The service's configuration: environment variables (the design's names), overridden by the
// flags of `mixchain serve` or the options of buildApp, checked once at start with errors that
// name the variable, what it must be and what it was.
import { availableParallelism, homedir } from 'node:os';
import { join } from 'node:path';
import { MixchainError } from '../errors.js';
import { bucketConfigFromEnv, type BucketConfig } from '../storage/bucket-config.js';
import { yesOrNo } from '../validate.js';

export interface ServerConfig {
  port: number;
  host: string;
  dataDir: string;
  /** Render pool workers in this process. */
  workers: number;
  maxUploadMb: number;
  syncMaxSeconds: number;
  /** Requests per minute per API key; 0: no limit. */
  rateLimit: number;
  /** Synchronous mixes that may wait for a worker; more get 503 at once. */
  syncQueue: number;
  jobRetentionDays: number;
  uploadRetentionDays: number;
  shutdownGraceSeconds: number;
  presignedUrlTtlSeconds: number;
  /** A render running longer is stopped (504 for a synchronous mix, ERR_RENDER_TIMEOUT for a job). */
  renderTimeoutSeconds: number;
  /** Recipes whose common choices each worker warms at start. */
  warm: string[];
  logLevel: string;
  /** An id for this process in /health and /stats. */
  workerId: string;
  /** The service's own address as others reach it (links in webhooks); default: where it listens. */
  publicUrl: string | null;
  /** User files in a bucket behind a local cache; null: local disk. */
  bucket: BucketConfig | null;
  /** A bucket configured incompletely (or unreachable at start): run on local disk instead of refusing to start. */
  fallbackToLocal: boolean;
  /** Why the bucket is not used although R2 variables are set (FALLBACK_TO_LOCAL took over), or null. */
  storageWarning: string | null;
  /** Finished results also go to a remote processing server; null: not configured. */
  forward: ForwardConfig | null;
  /** Webhook and forward targets may be private, loopback or link-local addresses. */
  allowPrivateTargets: boolean;
  /** Waits before each delivery attempt, in ms (the first is usually 0). */
  webhookScheduleMs: number[];
  forwardScheduleMs: number[];
  webhookTimeoutSeconds: number;
  forwardTimeoutSeconds: number;
  /** Distributed mode: jobs, keys, uploads, deliveries and rate limits on this Redis; null: embedded (SQLite). */
  redisUrl: string | null;
  /** Namespace of every Redis key (BullMQ's prefix); nodes of one service share it. */
  redisPrefix: string;
}

export interface ForwardConfig {
  /** FORWARD_URL + FORWARD_PATH. */
  url: string;
  apiKey: string | null;
  /** Every completed job is forwarded, not only those that ask. */
  auto: boolean;
}

type Overrides = Partial<ServerConfig>;

interface Setting<K extends keyof ServerConfig> {
  key: K;
  env: string;
  parse: (text: string, env: string) => ServerConfig[K];
}

function integer(min: number, max: number) {
  return (text: string, name: string): number => {
    const value = Number(text);
    if (text.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
      throw new MixchainError('ERR_CONFIG', `Expected ${name} to be an integer from ${min} to ${max} but got '${text}'`);
    }
    return value;
  };
}

const text = (value: string) => value;
const list = (value: string) => value.split(',').map((v) => v.trim()).filter(Boolean);

function boolean(value: string, name: string): boolean {
  const answer = yesOrNo(value);
  if (answer === null) throw new MixchainError('ERR_CONFIG', `Expected ${name} to be true or false but got '${value}'`);
  return answer;
}

function httpUrl(value: string, name: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new MixchainError('ERR_CONFIG', `Expected ${name} to be an http(s) URL but got a value that is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new MixchainError('ERR_CONFIG', `Expected ${name} to be an http(s) URL but got a ${url.protocol} URL`);
  return value.replace(/\/+$/, '');
}

function redisUrl(value: string, name: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new MixchainError('ERR_CONFIG', `Expected ${name} to be a redis:// or rediss:// URL but got a value that is not a URL`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new MixchainError('ERR_CONFIG', `Expected ${name} to be a redis:// or rediss:// URL but got a ${url.protocol} URL`);
  return value;
}

function redisPrefix(value: string, name: string): string {
  if (!/^[A-Za-z0-9_{}.-]{1,64}$/.test(value)) throw new MixchainError('ERR_CONFIG', `Expected ${name} to be 1 to 64 letters, digits, '_', '-', '.', '{' or '}' but got '${value.slice(0, 80)}'`);
  return value;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `0,5s,5m,30m,2h`: the waits before each attempt of a delivery. */
function schedule(value: string, name: string): number[] {
  const waits = list(value).map((item) => {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(item);
    if (!match) throw new MixchainError('ERR_CONFIG', `Expected ${name} to be a list of waits like '0,5s,5m,2h' but got '${item}' in it`);
    return Math.round(Number(match[1]) * UNIT_MS[match[2] ?? 'ms']!);
  });
  if (waits.length === 0 || waits.length > 50) throw new MixchainError('ERR_CONFIG', `Expected ${name} to list 1 to 50 waits but got ${waits.length}`);
  return waits;
}

const SETTINGS = [
  { key: 'port', env: 'PORT', parse: integer(0, 65535) },
  { key: 'host', env: 'HOST', parse: text },
  { key: 'dataDir', env: 'MIXCHAIN_DATA_DIR', parse: text },
  { key: 'workers', env: 'MIXCHAIN_WORKERS', parse: integer(0, 64) },
  { key: 'maxUploadMb', env: 'MIXCHAIN_MAX_UPLOAD_MB', parse: integer(1, 10_240) },
  { key: 'syncMaxSeconds', env: 'MIXCHAIN_SYNC_MAX_SECONDS', parse: integer(1, 86_400) },
  { key: 'rateLimit', env: 'MIXCHAIN_RATE_LIMIT', parse: integer(0, 1_000_000) },
  { key: 'syncQueue', env: 'MIXCHAIN_SYNC_QUEUE', parse: integer(0, 10_000) },
  { key: 'jobRetentionDays', env: 'JOB_RETENTION_DAYS', parse: integer(1, 3650) },
  { key: 'uploadRetentionDays', env: 'UPLOAD_RETENTION_DAYS', parse: integer(1, 3650) },
  { key: 'shutdownGraceSeconds', env: 'MIXCHAIN_SHUTDOWN_GRACE_S', parse: integer(0, 3600) },
  { key: 'presignedUrlTtlSeconds', env: 'PRESIGNED_URL_TTL_SECONDS', parse: integer(1, 604_800) },
  { key: 'renderTimeoutSeconds', env: 'MIXCHAIN_RENDER_TIMEOUT_S', parse: integer(1, 86_400) },
  { key: 'warm', env: 'MIXCHAIN_WARM', parse: list },
  { key: 'logLevel', env: 'LOG_LEVEL', parse: text },
  { key: 'workerId', env: 'MIXCHAIN_WORKER_ID', parse: text },
  { key: 'publicUrl', env: 'MIXCHAIN_PUBLIC_URL', parse: httpUrl },
  { key: 'fallbackToLocal', env: 'FALLBACK_TO_LOCAL', parse: boolean },
  { key: 'allowPrivateTargets', env: 'MIXCHAIN_ALLOW_PRIVATE_TARGETS', parse: boolean },
  { key: 'webhookScheduleMs', env: 'WEBHOOK_RETRY_SCHEDULE', parse: schedule },
  { key: 'forwardScheduleMs', env: 'FORWARD_RETRY_SCHEDULE', parse: schedule },
  { key: 'webhookTimeoutSeconds', env: 'WEBHOOK_TIMEOUT_S', parse: integer(1, 300) },
  { key: 'forwardTimeoutSeconds', env: 'FORWARD_TIMEOUT_S', parse: integer(1, 3600) },
  { key: 'redisUrl', env: 'REDIS_URL', parse: redisUrl },
  { key: 'redisPrefix', env: 'REDIS_PREFIX', parse: redisPrefix },
] as const satisfies ReadonlyArray<Setting<keyof ServerConfig>>;

// The schedule of Standard Webhooks senders (Svix): about three days in all.
export const DEFAULT_WEBHOOK_SCHEDULE = '0,5s,5m,30m,2h,5h,10h,10h,14h,20h';
export const DEFAULT_FORWARD_SCHEDULE = '0,5s,30s,2m,10m,30m,1h';

/** FORWARD_* with the names of the system we replace (VULTR_*) as aliases; null when no URL is set. */
function forwardConfig(env: NodeJS.ProcessEnv): ForwardConfig | null {
  const read = (name: string, alias: string) => env[name]?.trim() || env[alias]?.trim() || undefined;
  const base = read('FORWARD_URL', 'VULTR_API_URL');
  if (!base) return null;
  const path = read('FORWARD_PATH', 'VULTR_UPLOAD_ENDPOINT') ?? '/upload';
  const url = httpUrl(base, env.FORWARD_URL ? 'FORWARD_URL' : 'VULTR_API_URL') + (path.startsWith('/') ? path : `/${path}`);
  const auto = read('FORWARD_AUTO', 'VULTR_AUTO_UPLOAD');
  return { url: httpUrl(url, 'FORWARD_URL + FORWARD_PATH'), apiKey: read('FORWARD_API_KEY', 'VULTR_API_KEY') ?? null, auto: auto ? boolean(auto, env.FORWARD_AUTO ? 'FORWARD_AUTO' : 'VULTR_AUTO_UPLOAD') : false };
}

/**
 * The bucket of user files, or null; an incomplete configuration falls back to local disk when
 * allowed. Distributed mode needs the bucket (every node reads every file), written through.
 */
function storageConfig(
  env: NodeJS.ProcessEnv,
  dataDir: string,
  fallbackToLocal: boolean,
  distributed: boolean,
): { bucket: BucketConfig | null; storageWarning: string | null } {
  let found: { bucket: BucketConfig | null; storageWarning: string | null };
  try {
    found = { bucket: bucketConfigFromEnv(env, dataDir), storageWarning: null };
  } catch (error) {
    if (!(error instanceof MixchainError) || (!fallbackToLocal && !distributed)) throw error;
    if (distributed) throw new MixchainError('ERR_CONFIG', `${error.message} REDIS_URL needs the bucket: FALLBACK_TO_LOCAL cannot apply in distributed mode.`);
    return { bucket: null, storageWarning: `${error.message} Files stay on local disk (FALLBACK_TO_LOCAL).` };
  }
  if (distributed && !found.bucket) {
    throw new MixchainError(
      'ERR_CONFIG',
      'Expected a bucket for user files with REDIS_URL (R2_ACCOUNT_ID or R2_ENDPOINT, R2_ACCESS_KEY_ID, R2_SECRET_ACCESS_KEY, R2_MEDIA_BUCKET or R2_BUCKET_NAME) but got none: in distributed mode every node reads every file, and local disk is one machine\'s',
    );
  }
  return distributed ? { ...found, bucket: { ...found.bucket!, writeThrough: true } } : found;
}

/** REDIS_URL and REDIS_PREFIX alone, checked as the service checks them (for commands that only touch records). */
export function redisSettings(env: NodeJS.ProcessEnv = process.env): { redisUrl: string | null; redisPrefix: string } {
  return {
    redisUrl: env.REDIS_URL ? redisUrl(env.REDIS_URL, 'REDIS_URL') : null,
    redisPrefix: env.REDIS_PREFIX ? redisPrefix(env.REDIS_PREFIX, 'REDIS_PREFIX') : 'mixchain',
  };
}

export const DEFAULT_DATA_DIR = join(homedir(), '.local', 'share', 'mixchain');

/** The configuration from `env`, with `overrides` (flags, buildApp options) on top. */
export function resolveConfig(overrides: Overrides = {}, env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const fromEnv: Overrides = {};
  for (const setting of SETTINGS) {
    const value = env[setting.env];
    // An empty list is a value (MIXCHAIN_WARM= warms nothing); other empty variables are unset.
    if (value !== undefined && (value !== '' || setting.key === 'warm')) (fromEnv as Record<string, unknown>)[setting.key] = setting.parse(value, setting.env);
  }
  const given: Overrides = { ...fromEnv };
  for (const setting of SETTINGS) {
    const value = overrides[setting.key];
    // Options and flags pass the same checks as the environment, named by the option.
    if (value !== undefined) (given as Record<string, unknown>)[setting.key] = typeof value === 'number' ? setting.parse(String(value), setting.key) : value;
  }
  const workers = given.workers ?? availableParallelism();
  const dataDir = given.dataDir ?? DEFAULT_DATA_DIR;
  const fallbackToLocal = given.fallbackToLocal ?? true;
  return {
    port: given.port ?? 8080,
    host: given.host ?? '127.0.0.1',
    dataDir,
    workers,
    maxUploadMb: given.maxUploadMb ?? 200,
    syncMaxSeconds: given.syncMaxSeconds ?? 600,
    rateLimit: given.rateLimit ?? 120,
    syncQueue: given.syncQueue ?? 2 * workers,
    jobRetentionDays: given.jobRetentionDays ?? 7,
    uploadRetentionDays: given.uploadRetentionDays ?? 7,
    shutdownGraceSeconds: given.shutdownGraceSeconds ?? 30,
    presignedUrlTtlSeconds: given.presignedUrlTtlSeconds ?? 3600,
    renderTimeoutSeconds: given.renderTimeoutSeconds ?? 300,
    warm: given.warm ?? ['default'],
    logLevel: given.logLevel ?? 'info',
    workerId: given.workerId ?? `mixchain-${process.pid}`,
    publicUrl: given.publicUrl ?? null,
    ...(overrides.bucket != null
      ? { bucket: given.redisUrl ? { ...overrides.bucket, writeThrough: true } : overrides.bucket, storageWarning: null }
      : storageConfig(overrides.bucket === null ? {} : env, dataDir, fallbackToLocal, given.redisUrl != null)),
    fallbackToLocal,
    forward: overrides.forward !== undefined ? overrides.forward : forwardConfig(env),
    allowPrivateTargets: given.allowPrivateTargets ?? false,
    webhookScheduleMs: given.webhookScheduleMs ?? schedule(DEFAULT_WEBHOOK_SCHEDULE, 'the default webhook schedule'),
    forwardScheduleMs: given.forwardScheduleMs ?? schedule(DEFAULT_FORWARD_SCHEDULE, 'the default forward schedule'),
    webhookTimeoutSeconds: given.webhookTimeoutSeconds ?? 15,
    forwardTimeoutSeconds: given.forwardTimeoutSeconds ?? 300,
    redisUrl: given.redisUrl ?? null,
    redisPrefix: given.redisPrefix ?? 'mixchain',
  };
}
