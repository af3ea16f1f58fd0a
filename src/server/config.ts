// The service's configuration: environment variables (the design's names), overridden by the
// flags of `mixchain serve` or the options of buildApp, checked once at start with errors that
// name the variable, what it must be and what it was.
import { availableParallelism, homedir } from 'node:os';
import { join } from 'node:path';
import { MixchainError } from '../errors.js';

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
] as const satisfies ReadonlyArray<Setting<keyof ServerConfig>>;

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
  return {
    port: given.port ?? 8080,
    host: given.host ?? '127.0.0.1',
    dataDir: given.dataDir ?? DEFAULT_DATA_DIR,
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
  };
}
