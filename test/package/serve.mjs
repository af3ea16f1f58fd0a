// Run inside the project the package was installed into: the service from `mixchain/server`
// (Fastify and better-sqlite3 as the package's own dependencies), answering through inject.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from 'mixchain/server';

const dataDir = mkdtempSync(join(tmpdir(), 'mixchain-package-serve-'));
const app = await buildApp({ dataDir, workers: 0, logger: false });
try {
  const info = await app.inject({ url: '/api/v1/info' });
  if (info.statusCode !== 200 || !info.json().recipes.includes('default')) throw new Error(`/api/v1/info answered ${info.statusCode}: ${info.body}`);
  const key = (await app.services.keys.create('package test')).key;
  const status = await app.inject({ url: '/api/v1/uploads/status', headers: { authorization: `Bearer ${key}` } });
  if (status.json().provider !== 'local') throw new Error(`/api/v1/uploads/status answered ${status.body}`);
  const refused = await app.inject({ url: '/api/v1/jobs' });
  if (refused.statusCode !== 401 || refused.headers['content-type'] !== 'application/problem+json; charset=utf-8') throw new Error(`no key: ${refused.statusCode} ${refused.headers['content-type']}`);
  console.log(`mixchain/server: ${info.json().version} answers, keys and storage work`);
} finally {
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
}
