// The stores of API keys and upload records: their contracts against SQLite (a fresh data folder
// per case) and a real redis-server started for this file (a prefix per case).
import { afterAll, beforeAll } from 'vitest';
import { RedisKeyStore } from '../src/storage/redis-keys.js';
import { RedisUploadStore } from '../src/storage/redis-uploads.js';
import { SqliteKeyStore } from '../src/storage/sqlite-keys.js';
import { SqliteUploadStore } from '../src/storage/sqlite-uploads.js';
import { keyStoreContract } from './fixtures/key-store-contract.js';
import { startRedis, type RedisFixture } from './fixtures/redis.js';
import { redisHarness, sqliteHarness } from './fixtures/store-harness.js';
import { uploadStoreContract } from './fixtures/upload-store-contract.js';

let redis: RedisFixture | undefined;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

keyStoreContract('SqliteKeyStore', () => sqliteHarness((db) => new SqliteKeyStore(db)));
keyStoreContract('RedisKeyStore', () => redisHarness(redis!.url, (client, prefix) => new RedisKeyStore(client, prefix)));
uploadStoreContract('SqliteUploadStore', () => sqliteHarness((db) => new SqliteUploadStore(db)));
uploadStoreContract('RedisUploadStore', () => redisHarness(redis!.url, (client, prefix) => new RedisUploadStore(client, prefix)));
