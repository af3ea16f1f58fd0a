// The Redis of distributed mode, as production expects it: a server new enough for BullMQ and our
// scripts (6.2), and an eviction policy of `noeviction` (any other lets Redis drop job records
// and locks under memory pressure, losing jobs silently). Checked once when a process connects,
// with errors that say what was expected and what the server is; the URL is shown without its
// password.
import { Redis, type RedisOptions } from 'ioredis';
import { MixchainError } from '../errors.js';

export const MIN_REDIS_VERSION = '6.2.0';
const CONNECT_TIMEOUT_MS = 10_000;

/** The URL without credentials, for messages and logs. */
export function shownRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '(not a URL)';
  }
}

function versionAtLeast(version: string, minimum: string): boolean {
  const have = version.split('.').map(Number);
  const want = minimum.split('.').map(Number);
  for (let i = 0; i < want.length; i++) {
    const [a, b] = [have[i] ?? 0, want[i]!];
    if (a !== b) return a > b;
  }
  return true;
}

/** The fields of an INFO reply (`name:value` lines). */
function infoFields(info: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of info.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return fields;
}

/** Throws ERR_REDIS_UNSUITABLE when the server (its INFO reply) is too old or may evict keys. */
export function checkRedisInfo(info: string, url: string): void {
  const fields = infoFields(info);
  const version = fields.get('redis_version') ?? 'unknown';
  if (!versionAtLeast(version, MIN_REDIS_VERSION)) {
    throw new MixchainError('ERR_REDIS_UNSUITABLE', `Expected Redis ${MIN_REDIS_VERSION} or newer at ${shownRedisUrl(url)} but it is ${version}`);
  }
  const policy = fields.get('maxmemory_policy') ?? 'unknown';
  if (policy !== 'noeviction') {
    throw new MixchainError(
      'ERR_REDIS_UNSUITABLE',
      `Expected the Redis at ${shownRedisUrl(url)} to have maxmemory-policy noeviction but it has ${policy}: it could drop jobs and their locks when memory runs short (set maxmemory-policy noeviction)`,
    );
  }
}

/**
 * A connected, checked client. Commands wait through a reconnection instead of failing
 * (`maxRetriesPerRequest: null`, as BullMQ requires), so a Redis restart delays calls rather than
 * losing them; a first connection that fails within 10 s is ERR_REDIS_UNAVAILABLE.
 */
export async function connectRedis(url: string, options: RedisOptions = {}): Promise<Redis> {
  const redis = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: true, ...options });
  let lastError: Error | null = null;
  redis.on('error', (error: Error) => (lastError = error));
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(lastError ?? new Error(`no answer within ${CONNECT_TIMEOUT_MS / 1000} s`)), CONNECT_TIMEOUT_MS);
    });
    await Promise.race([redis.connect(), timeout]);
  } catch (error) {
    redis.disconnect();
    const reason = (lastError ?? (error as Error)).message;
    throw new MixchainError('ERR_REDIS_UNAVAILABLE', `Expected a Redis server at ${shownRedisUrl(url)} (REDIS_URL) but connecting failed: ${reason}`);
  } finally {
    clearTimeout(timer);
  }
  try {
    checkRedisInfo(await redis.info(), url);
  } catch (error) {
    redis.disconnect();
    throw error;
  }
  return redis;
}
