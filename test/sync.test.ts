// Plugin bundle sync against a real S3-protocol server (s3rver) on loopback, behind a proxy
// that injects faults: installs that load and render, incremental re-syncs, faults and hostile
// archives contained, missing bundles and configuration named.
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import S3rver from 's3rver';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MixchainError, SyncFailedError, createPool, loadPlugin, syncBundles, syncConfigFromEnv, type SyncConfig, type SyncReport } from '../src/index.js';
import { FaultyProxy } from './fixtures/faulty-proxy.js';
import { folderEntries, zip } from './fixtures/zip.mjs';
import { root, testBundle, testSignal, zamFolder } from './helpers.js';

const BUCKET = 'plugins';
const scratch = mkdtempSync(join(tmpdir(), 'mixchain-sync-test-'));
let server: S3rver;
let proxy: FaultyProxy;
let client: S3Client;
let endpoint: string;

const realBundle = (name: string, folder = zamFolder) => zip(folderEntries(join(folder, `${name}.vst3`), folder));
const put = (name: string, body: Buffer, prefix = 'vst_linux') => client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}/${name}`, Body: body }));
const remove = (name: string) => client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: `vst_linux/${name}` }));

function config(localDir: string, overrides: Partial<SyncConfig> = {}): SyncConfig {
  return syncConfigFromEnv({
    R2_ENDPOINT: endpoint,
    R2_ACCESS_KEY_ID: 'S3RVER',
    R2_SECRET_ACCESS_KEY: 'S3RVER',
    R2_BUCKET_NAME: overrides.bucket ?? BUCKET,
    R2_VST_PREFIX: overrides.prefix ?? 'vst_linux',
    VST_LINUX_DIR: localDir,
  });
}

const fast = { backoffMs: 5 };

async function failedSync(promise: Promise<SyncReport>): Promise<SyncReport> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SyncFailedError);
  return (error as SyncFailedError).report;
}

/** Loads the installed bundle and renders a second of audio through it. */
async function rendersFrom(localDir: string, name: string, className?: string): Promise<number> {
  const plugin = await loadPlugin(join(localDir, `${name}.vst3`), { sampleRate: 44100, ...(className ? { className } : {}) });
  try {
    const out = testSignal(44100, 44100, 2);
    plugin.process(out.map((c) => c.subarray(0, 8192)));
    return Math.max(...out[0]!.subarray(0, 8192).map(Math.abs));
  } finally {
    await plugin.closeAsync();
  }
}

beforeAll(async () => {
  server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: join(scratch, 's3'), configureBuckets: [{ name: BUCKET, configs: [] }] });
  const { port } = await server.run();
  proxy = new FaultyProxy(port);
  endpoint = `http://127.0.0.1:${await proxy.start()}`;
  client = new S3Client({ endpoint: `http://127.0.0.1:${port}`, region: 'auto', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, requestChecksumCalculation: 'WHEN_REQUIRED' });
  await client.send(new CreateBucketCommand({ Bucket: 'empty' })).catch(() => {});
});

afterAll(async () => {
  client.destroy();
  await proxy.stop();
  await server.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('plugin sync', () => {
  const local = join(scratch, 'plugins');
  beforeEach(() => proxy.clear());

  it('installs zipped bundles that load and render; a second sync downloads nothing; a changed object alone is fetched again', async () => {
    await put('ZamEQ2.vst3.zip', realBundle('ZamEQ2'));
    await put('ZamDelay.vst3.zip', realBundle('ZamDelay'));
    await put('MixchainTest.vst3.zip', realBundle('MixchainTest', join(root, 'build', 'test-plugins')));
    await put('readme.txt', Buffer.from('not a bundle'));
    const first = await syncBundles(config(local), fast);
    expect(first.installed.map((b) => b.name)).toEqual(['MixchainTest', 'ZamDelay', 'ZamEQ2']);
    expect(first.failed).toEqual([]);
    expect(first.changed).toEqual(['MixchainTest', 'ZamDelay', 'ZamEQ2']);
    expect(await rendersFrom(local, 'ZamEQ2')).toBeGreaterThan(0);
    expect(await rendersFrom(local, 'MixchainTest', 'Mixchain Gain')).toBeGreaterThan(0);
    expect(readlinkSync(join(local, 'ZamEQ2.vst3'))).toMatch(/^\.mixchain\/bundles\/ZamEQ2-/);

    proxy.clear();
    const second = await syncBundles(config(local), fast);
    expect(second.installed).toEqual([]);
    expect(second.unchanged).toEqual(['MixchainTest', 'ZamDelay', 'ZamEQ2']);
    expect(proxy.getsOf('.vst3.zip')).toBe(0);
    expect(second.seconds).toBeLessThan(1);

    await put('ZamDelay.vst3.zip', zip([...folderEntries(join(zamFolder, 'ZamDelay.vst3'), zamFolder), { name: 'ZamDelay.vst3/Contents/Resources/NOTE', data: Buffer.from('v2') }]));
    proxy.clear();
    const third = await syncBundles(config(local), fast);
    expect(third.installed.map((b) => b.name)).toEqual(['ZamDelay']);
    expect(proxy.getsOf('ZamDelay.vst3.zip')).toBe(1);
    expect(proxy.getsOf('ZamEQ2.vst3.zip')).toBe(0);
    expect(existsSync(join(local, 'ZamDelay.vst3', 'Contents', 'Resources', 'NOTE'))).toBe(true);
    // The replaced version is gone from the store; one version per bundle remains.
    expect(readdirSync(join(local, '.mixchain', 'bundles')).filter((v) => v.startsWith('ZamDelay-'))).toHaveLength(1);
  });

  it('retries 500s and cut connections, then installs', async () => {
    await put('ZamDelay.vst3.zip', realBundle('ZamDelay'));
    proxy.inject({ key: 'ZamDelay.vst3.zip', kind: '500', times: 2 });
    proxy.inject({ key: 'ZamDelay.vst3.zip', kind: 'cut', times: 1 });
    const report = await syncBundles(config(local), fast);
    expect(report.installed.map((b) => b.name)).toEqual(['ZamDelay']);
    expect(proxy.getsOf('ZamDelay.vst3.zip')).toBe(4);
  });

  it('keeps the installed version when the server keeps failing, cuts the download, or serves a damaged zip', async () => {
    const good = realBundle('ZamEQ2');
    // A new version of the object each time (so the sync wants it), served with a fault or damaged.
    const newer = zip([...folderEntries(join(zamFolder, 'ZamEQ2.vst3'), zamFolder), { name: 'ZamEQ2.vst3/NEWER', data: Buffer.from('x') }]);
    for (const [what, fault, body, code] of [
      ['500s', '500', newer, 'ERR_SYNC_DOWNLOAD'],
      ['a server that stops mid-download', 'cut', newer, 'ERR_SYNC_DOWNLOAD'],
      ['a truncated zip', null, newer.subarray(0, Math.floor(newer.length * 0.6)), 'ERR_SYNC_ARCHIVE_INVALID'],
      ['garbage bytes', null, createHash('sha512').update('x').digest(), 'ERR_SYNC_ARCHIVE_INVALID'],
    ] as const) {
      await put('ZamEQ2.vst3.zip', body);
      proxy.clear();
      if (fault) proxy.inject({ key: 'ZamEQ2.vst3.zip', kind: fault, times: Infinity });
      const before = readlinkSync(join(local, 'ZamEQ2.vst3'));
      const report = await failedSync(syncBundles(config(local), { ...fast, attempts: 3 }));
      expect(report.failed.map((f) => [f.name, f.code]), what).toEqual([['ZamEQ2', code]]);
      if (fault) expect(proxy.getsOf('ZamEQ2.vst3.zip')).toBe(3);
      expect(readlinkSync(join(local, 'ZamEQ2.vst3'))).toBe(before);
      expect(await rendersFrom(local, 'ZamEQ2')).toBeGreaterThan(0);
      expect(readdirSync(join(local, '.mixchain', 'staging'))).toEqual([]);
    }
    proxy.clear();
    await put('ZamEQ2.vst3.zip', good);
  });

  it('rejects hostile archives with the reason, writes nothing outside its folder, keeps the installed version', async () => {
    const so = (name: string) => ({ name: `${name}.vst3/Contents/x86_64-linux/${name}.so`, data: Buffer.from('\x7fELF'), mode: 0o100755 });
    const cases: Array<[string, Parameters<typeof zip>[0], string]> = [
      ['zip-slip', [so('ZamEQ2'), { name: 'ZamEQ2.vst3/../../../escaped.txt', data: Buffer.from('x') }], "'..' component"],
      ['an absolute path', [so('ZamEQ2'), { name: '/tmp/escaped-absolute.txt', data: Buffer.from('x') }], 'absolute path'],
      ['a symlink out of the bundle', [so('ZamEQ2'), { name: 'ZamEQ2.vst3/Contents/link', data: Buffer.from('../../../../etc'), mode: 0o120777 }], 'outside the bundle'],
      ['an absolute symlink', [so('ZamEQ2'), { name: 'ZamEQ2.vst3/Contents/link', data: Buffer.from('/etc/passwd'), mode: 0o120777 }], 'outside the bundle'],
      ['a device file', [so('ZamEQ2'), { name: 'ZamEQ2.vst3/null', mode: 0o020666 }], 'device'],
      ['a zip bomb', [so('ZamEQ2'), { name: 'ZamEQ2.vst3/bomb', data: Buffer.alloc(64 * 2 ** 20), deflate: true }], 'zip bomb'],
      ['a header that lies about the size', [so('ZamEQ2'), { name: 'ZamEQ2.vst3/liar', data: Buffer.alloc(4096, 7), deflate: true, declaredSize: 10 }], 'declared size'],
      ['another inner folder', [so('Other')], 'outside the folder ZamEQ2.vst3/'],
      ['no binary', [{ name: 'ZamEQ2.vst3/Contents/Resources/x', data: Buffer.from('x') }], 'holds no ZamEQ2.vst3/Contents/x86_64-linux/ZamEQ2.so'],
    ];
    const before = readlinkSync(join(local, 'ZamEQ2.vst3'));
    for (const [what, entries, reason] of cases) {
      proxy.clear();
      await put('ZamEQ2.vst3.zip', zip(entries));
      const report = await failedSync(syncBundles(config(local), fast));
      expect(report.failed, what).toHaveLength(1);
      expect(report.failed[0]!.code, what).toBe('ERR_SYNC_ARCHIVE_REJECTED');
      expect(report.failed[0]!.reason, what).toContain(reason);
      expect(readlinkSync(join(local, 'ZamEQ2.vst3'))).toBe(before);
    }
    expect(existsSync(join(scratch, 'escaped.txt'))).toBe(false);
    expect(existsSync(join(local, 'escaped.txt'))).toBe(false);
    expect(existsSync('/tmp/escaped-absolute.txt')).toBe(false);
    expect(readdirSync(join(local, '.mixchain', 'bundles')).filter((v) => v.startsWith('ZamEQ2-'))).toHaveLength(1);
    expect(await rendersFrom(local, 'ZamEQ2')).toBeGreaterThan(0);
    await put('ZamEQ2.vst3.zip', realBundle('ZamEQ2'));
  });

  it('checks bundles against the bucket’s SHA256SUMS when it has one', async () => {
    const body = zip([...folderEntries(join(zamFolder, 'ZamEQ2.vst3'), zamFolder), { name: 'ZamEQ2.vst3/SUMMED', data: Buffer.from('x') }]);
    const sha256 = createHash('sha256').update(body).digest('hex');
    await put('ZamEQ2.vst3.zip', body);
    await put('SHA256SUMS', Buffer.from(`${'0'.repeat(64)}  ZamEQ2.vst3.zip\n`));
    const wrong = await failedSync(syncBundles(config(local), fast));
    expect(wrong.failed.map((f) => [f.name, f.code])).toEqual([['ZamEQ2', 'ERR_SYNC_CHECKSUM']]);
    expect(wrong.failed[0]!.reason).toContain(sha256);
    expect(existsSync(join(local, 'ZamEQ2.vst3', 'SUMMED'))).toBe(false);
    await put('SHA256SUMS', Buffer.from(`${sha256}  ZamEQ2.vst3.zip\n`));
    const right = await syncBundles(config(local), fast);
    expect(right.installed.map((b) => b.name)).toEqual(['ZamEQ2']);
    expect(existsSync(join(local, 'ZamEQ2.vst3', 'SUMMED'))).toBe(true);
    await remove('SHA256SUMS');
  });

  it('names the bundles a recipe needs that the bucket lacks, before downloading anything', async () => {
    const error = await syncBundles(config(local), { recipes: ['hise'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MixchainError);
    expect((error as MixchainError).code).toBe('ERR_SYNC_MISSING_BUNDLES');
    for (const name of ['Project1', 'reverb1', 'reverb2', 'reverb3new', 'doubler', 'robot', 'master']) {
      expect((error as MixchainError).message).toContain(`${name}.vst3.zip`);
    }
    expect(proxy.getsOf('.vst3.zip')).toBe(0);
  });

  it('keeps bundles removed from the bucket unless asked to prune; lists every page', async () => {
    await remove('MixchainTest.vst3.zip');
    const kept = await syncBundles(config(local), { ...fast, pageSize: 1 });
    expect(kept.stale).toEqual(['MixchainTest']);
    expect(existsSync(join(local, 'MixchainTest.vst3'))).toBe(true);
    expect(kept.unchanged).toEqual(['ZamDelay', 'ZamEQ2']);
    const pruned = await syncBundles(config(local), { ...fast, prune: true, pageSize: 1 });
    expect(pruned.removed).toEqual(['MixchainTest']);
    expect(existsSync(join(local, 'MixchainTest.vst3'))).toBe(false);
  });

  it('cleans what an interrupted sync left, and runs one sync at a time per folder', async () => {
    mkdirSync(join(local, '.mixchain', 'bundles', 'ZamEQ2-orphan', 'ZamEQ2.vst3'), { recursive: true });
    writeFileSync(join(local, '.mixchain', 'staging', 'ZamEQ2-half.zip'), 'partial');
    writeFileSync(join(local, '.mixchain', 'sync.lock'), String(process.pid));
    const busy = await syncBundles(config(local), fast).catch((e: unknown) => e);
    expect((busy as MixchainError).code).toBe('ERR_SYNC_BUSY');
    expect((busy as MixchainError).message).toContain(`process ${process.pid}`);
    writeFileSync(join(local, '.mixchain', 'sync.lock'), '2147483646');  // a process that does not exist
    const report = await syncBundles(config(local), fast);
    expect(report.failed).toEqual([]);
    expect(existsSync(join(local, '.mixchain', 'bundles', 'ZamEQ2-orphan'))).toBe(false);
    expect(readdirSync(join(local, '.mixchain', 'staging'))).toEqual([]);
    expect(existsSync(join(local, '.mixchain', 'sync.lock'))).toBe(false);
    expect(await rendersFrom(local, 'ZamEQ2')).toBeGreaterThan(0);
  });

  it('reloads a render pool when bundles change', async () => {
    const pool = createPool({ workers: 1, isolation: 'process' });
    try {
      const render = () => pool.render([join(local, 'ZamDelay.vst3')], { sampleRate: 44100, channels: testSignal(8192, 44100, 2) });
      await render();
      const before = pool.stats().workers.map((w) => w.pid);
      await put('ZamDelay.vst3.zip', zip([...folderEntries(join(zamFolder, 'ZamDelay.vst3'), zamFolder), { name: 'ZamDelay.vst3/Contents/Resources/NOTE', data: Buffer.from('v3') }]));
      let changed: string[] = [];
      await syncBundles(config(local), { ...fast, onChange: (names) => ((changed = names), pool.reloadPlugins()) });
      expect(changed).toEqual(['ZamDelay']);
      await render();
      const after = pool.stats().workers.filter((w) => !w.retiring).map((w) => w.pid);
      expect(after).toHaveLength(1);
      expect(before).not.toContain(after[0]);
    } finally {
      await pool.close();
    }
  });
});

describe('sync configuration and commands', () => {
  it('names every missing variable, never a secret', () => {
    const attempt = (env: NodeJS.ProcessEnv) => {
      try {
        syncConfigFromEnv(env);
        return null;
      } catch (error) {
        return error as MixchainError;
      }
    };
    const none = attempt({})!;
    expect(none.code).toBe('ERR_SYNC_CONFIG');
    for (const name of ['R2_ACCESS_KEY_ID', 'R2_SECRET_ACCESS_KEY', 'R2_BUCKET_NAME', 'R2_ACCOUNT_ID']) expect(none.message).toContain(name);
    const partial = attempt({ R2_ACCOUNT_ID: 'abc123', R2_ACCESS_KEY_ID: 'key', R2_SECRET_ACCESS_KEY: 'very-secret-value' })!;
    expect(partial.message).toContain('R2_BUCKET_NAME is not set');
    expect(partial.message).not.toContain('very-secret-value');
    expect(attempt({ R2_ENDPOINT: 'ftp://x', R2_ACCESS_KEY_ID: 'k', R2_SECRET_ACCESS_KEY: 's', R2_BUCKET_NAME: 'b' })!.message).toContain('R2_ENDPOINT');
    const r2 = syncConfigFromEnv({ R2_ACCOUNT_ID: 'abc123', R2_ACCESS_KEY_ID: 'k', R2_SECRET_ACCESS_KEY: 's', R2_BUCKET_NAME: 'b' });
    expect(r2).toMatchObject({ endpoint: 'https://abc123.r2.cloudflarestorage.com', provider: 'r2', prefix: 'vst_linux', localDir: '/tmp/saas_mix_vst_linux' });
  });

  it('mixchain plugins sync / ls / status', async () => {
    const local = join(scratch, 'cli-plugins');
    const env = { ...process.env, R2_ENDPOINT: endpoint, R2_ACCESS_KEY_ID: 'S3RVER', R2_SECRET_ACCESS_KEY: 'S3RVER', R2_BUCKET_NAME: BUCKET, VST_LINUX_DIR: local };
    const cli = (args: string[], environment = env) => promisify(execFile)(process.execPath, [join(root, 'dist', 'cli', 'main.js'), ...args], { env: environment });
    const sync = JSON.parse((await cli(['plugins', 'sync', '--json'])).stdout);
    expect(sync.installed.map((b: { name: string }) => b.name).sort()).toEqual(['ZamDelay', 'ZamEQ2']);
    const ls = JSON.parse((await cli(['plugins', 'ls', '--json'])).stdout);
    expect(ls.map((b: { name: string; source: string; newerInBucket: boolean }) => [b.name, b.source, b.newerInBucket])).toEqual([
      ['ZamDelay', 'sync', false],
      ['ZamEQ2', 'sync', false],
    ]);
    const status = JSON.parse((await cli(['plugins', 'status', '--json'])).stdout);
    expect(status).toMatchObject({ configured: true, installed: 2, storage: { provider: 's3-compatible', bucket: BUCKET, prefix: 'vst_linux' } });
    expect(status.lastSync).toBeTruthy();
    expect(JSON.stringify(status)).not.toContain('S3RVER');
    expect(status.missing.hise).toContain('Project1');
    const unconfigured = JSON.parse((await cli(['plugins', 'status', '--json'], { ...process.env, VST_LINUX_DIR: local })).stdout);
    expect(unconfigured.configured).toBe(false);
    expect(unconfigured.problem).toContain('R2_BUCKET_NAME');
    const failing = await cli(['plugins', 'sync'], { ...process.env, VST_LINUX_DIR: local }).catch((e: { code: number; stderr: string }) => e);
    expect((failing as { code: number }).code).toBe(1);
    expect((failing as { stderr: string }).stderr).toContain('ERR_SYNC_CONFIG');
  });
});
