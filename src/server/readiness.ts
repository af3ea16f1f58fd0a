// Whether a node should get traffic: not shutting down, its database answering, Redis connected
// (distributed mode), and at least one render worker ready when it renders. Shared by the API's
// and the render node's /readyz.
import type { Redis } from 'ioredis';
import { MixchainError } from '../errors.js';
import type { RenderPool } from '../pool/pool.js';
import type { Db } from '../storage/database.js';

export interface NodeState {
  draining: boolean;
  db: Db;
  redis: Redis | null;
  pool: RenderPool | null;
}

export function checkReady(node: NodeState): void {
  if (node.draining) throw new MixchainError('ERR_SHUTTING_DOWN', 'The server is shutting down and takes no new work');
  node.db.prepare('SELECT 1').get();
  if (node.redis && node.redis.status !== 'ready') throw new MixchainError('ERR_REDIS_UNAVAILABLE', `Expected the job store (Redis) to be connected but it is ${node.redis.status}`);
  if (node.pool && !node.pool.stats().workers.some((w) => w.ready)) throw new MixchainError('ERR_POOL_BUSY', 'No render worker is ready yet');
}
