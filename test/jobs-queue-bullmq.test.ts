// The job queue on Redis through BullMQ: the shared JobQueue contract against a real redis-server
// started for this file, each case in a namespace (queue name) of its own.
import { afterAll, beforeAll } from 'vitest';
import { BullmqJobQueue } from '../src/jobs/bullmq-queue.js';
import { jobQueueContract } from './fixtures/job-queue-contract.js';
import { startRedis, type RedisFixture } from './fixtures/redis.js';

let redis: RedisFixture | undefined;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

let namespaces = 0;
jobQueueContract('BullmqJobQueue on Redis', async () => BullmqJobQueue.open({ connection: redis!.url, name: `contract-${namespaces++}` }));
