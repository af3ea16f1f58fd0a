// Where the service keeps its records: API keys, uploads, jobs, deliveries, each key's webhook
// settings and the delivery watermark. Embedded mode: all in the node's SQLite database.
// Distributed mode (REDIS_URL): all in Redis, shared by every node, so any API node answers for
// any key, upload or job. The node's database stays in both modes for what is the node's own
// (the bucket cache index and its upload queue).
import type { Redis } from 'ioredis';
import type { DeliveryStore } from '../delivery/delivery-store.js';
import type { KeyWebhooks } from '../delivery/key-webhooks.js';
import { RedisDeliveryStore } from '../delivery/redis-delivery-store.js';
import { RedisKeyWebhooks } from '../delivery/redis-key-webhooks.js';
import { SqliteDeliveryStore } from '../delivery/sqlite-delivery-store.js';
import { SqliteKeyWebhooks } from '../delivery/sqlite-key-webhooks.js';
import { BullmqJobQueue } from '../jobs/bullmq-queue.js';
import type { JobQueue } from '../jobs/queue.js';
import { connectRedis } from '../jobs/redis-connection.js';
import { SqliteJobQueue } from '../jobs/sqlite-queue.js';
import { openDatabase, type Db } from '../storage/database.js';
import type { KeyStore } from '../storage/keys.js';
import { RedisKeyStore } from '../storage/redis-keys.js';
import { RedisUploadStore } from '../storage/redis-uploads.js';
import { RedisWatermarks } from '../storage/redis-watermarks.js';
import { SqliteKeyStore } from '../storage/sqlite-keys.js';
import { SqliteUploadStore } from '../storage/sqlite-uploads.js';
import { SqliteWatermarks } from '../storage/sqlite-watermarks.js';
import type { UploadStore } from '../storage/uploads.js';
import type { Watermarks } from '../storage/watermarks.js';
import type { ServerConfig } from './config.js';

export interface Records {
  /** The node's own database. */
  db: Db;
  /** The shared Redis (distributed mode), or null. */
  redis: Redis | null;
  keys: KeyStore;
  uploads: UploadStore;
  deliveries: DeliveryStore;
  webhooks: KeyWebhooks;
  watermarks: Watermarks;
  close(): Promise<void>;
}

/** Opens the records of the configured mode; in distributed mode Redis is checked first (version, eviction policy). */
export async function openRecords(config: Pick<ServerConfig, 'dataDir' | 'redisUrl' | 'redisPrefix'>): Promise<Records> {
  const redis = config.redisUrl ? await connectRedis(config.redisUrl) : null;
  const db = openDatabase(config.dataDir);
  const prefix = config.redisPrefix;
  return {
    db,
    redis,
    keys: redis ? new RedisKeyStore(redis, prefix) : new SqliteKeyStore(db),
    uploads: redis ? new RedisUploadStore(redis, prefix) : new SqliteUploadStore(db),
    deliveries: redis ? new RedisDeliveryStore(redis, prefix) : new SqliteDeliveryStore(db),
    webhooks: redis ? new RedisKeyWebhooks(redis, prefix) : new SqliteKeyWebhooks(db),
    watermarks: redis ? new RedisWatermarks(redis, prefix) : new SqliteWatermarks(db),
    async close() {
      if (redis) await redis.quit().catch(() => redis.disconnect());
      db.close();
    },
  };
}

/** How often a render node runs BullMQ's stalled-job check: a dead node's job restarts within 20 + 2 × 5 s. */
const STALLED_CHECK_MS = 5000;

/**
 * The job queue of the configured mode. `renderNode`: this process renders jobs, so in
 * distributed mode it also runs the stalled-job check that hands a dead node's jobs back.
 */
export async function openQueue(config: Pick<ServerConfig, 'redisUrl' | 'redisPrefix'>, records: Records, renderNode: boolean): Promise<JobQueue> {
  if (!config.redisUrl) return new SqliteJobQueue(records.db);
  return BullmqJobQueue.open({ connection: config.redisUrl, prefix: config.redisPrefix, ...(renderNode ? { stalledIntervalMs: STALLED_CHECK_MS } : {}) });
}
