// Plugin sync benchmark (npm run bench:sync): seven bundles of realistic size (a real plugin
// binary plus a few MB of incompressible resources each, named like the production bundles) on
// an S3-protocol server on loopback (s3rver). Measured side by side in one run:
//
// - cold sync (nothing installed) against the raw download of the same bytes (the same GETs at
//   the same concurrency, bytes discarded): goal ratio >= 0.8;
// - a sync with nothing changed: goal <= 200 ms.
//
// Both on loopback (the server as fast as it goes) and through a proxy that holds the link to
// a realistic rate (--link-mbps, default 400 Mbit/s, about what a server gets from R2).
//
//   node test/bench/sync.mjs [--repeats 5] [--link-mbps 400]   (the server: sync-server.mjs)
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { syncBundles, syncConfigFromEnv } from '../../dist/index.js';
import { folderEntries, zip } from '../fixtures/zip.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const { values } = parseArgs({ options: { repeats: { type: 'string', default: '5' }, 'link-mbps': { type: 'string', default: '400' } } });
const repeats = Number(values.repeats);
const names = ['Project1', 'master', 'reverb1', 'reverb2', 'reverb3new', 'doubler', 'robot'];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
const scratch = mkdtempSync(join(tmpdir(), 'mixchain-bench-sync-'));

// The server side runs in a process of its own, as a remote server would: its work does not
// queue behind the sync's on one event loop.
const serverProcess = fork(join(here, 'sync-server.mjs'), [join(scratch, 's3'), values['link-mbps']], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const { endpoint, linkEndpoint } = await new Promise((resolve) => serverProcess.once('message', resolve));

const client = new S3Client({ endpoint, region: 'auto', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, requestChecksumCalculation: 'WHEN_REQUIRED' });

// A real plugin bundle renamed to each production name, with 2–5 MB of resources.
let bytes = 0;
for (const [i, name] of names.entries()) {
  const entries = folderEntries('/usr/lib/vst3/ZamVerb.vst3', '/usr/lib/vst3').map((e) => ({
    ...e,
    name: e.name.replace(/^ZamVerb\.vst3/, `${name}.vst3`).replace(/ZamVerb\.so$/, `${name}.so`),
  }));
  entries.push({ name: `${name}.vst3/Contents/Resources/samples.bin`, data: randomBytes((2 + (i % 4)) * 2 ** 20), deflate: true });
  const body = zip(entries);
  bytes += body.length;
  await client.send(new PutObjectCommand({ Bucket: 'plugins', Key: `vst_linux/${name}.vst3.zip`, Body: body }));
}

const timed = async (work) => {
  const start = performance.now();
  await work();
  return (performance.now() - start) / 1000;
};
const CONCURRENCY = 4;
async function rawDownload(through) {
  const reader = new S3Client({ endpoint: through, region: 'auto', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  const queue = [...names];
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let name = queue.shift(); name; name = queue.shift()) {
        const object = await reader.send(new GetObjectCommand({ Bucket: 'plugins', Key: `vst_linux/${name}.vst3.zip` }));
        for await (const _chunk of object.Body) {
          // bytes discarded: the reference is the transfer alone
        }
      }
    }),
  );
  reader.destroy();
}

console.log(`machine: ${cpus().length} × ${cpus()[0]?.model}, node ${process.version}, load ${load()}`);
console.log(`${names.length} bundles, ${(bytes / 2 ** 20).toFixed(1)} MiB in all, on s3rver at loopback; concurrency ${CONCURRENCY}`);
const ms = (s) => `${(s * 1000).toFixed(0)} ms`;
for (const [what, through] of [['loopback', endpoint], [`a ${values['link-mbps']} Mbit/s link`, linkEndpoint]]) {
  const raw = [];
  const cold = [];
  const unchanged = [];
  for (let i = 0; i < repeats; i++) {
    const localDir = join(scratch, `plugins-${i}`);
    const config = syncConfigFromEnv({ R2_ENDPOINT: through, R2_ACCESS_KEY_ID: 'S3RVER', R2_SECRET_ACCESS_KEY: 'S3RVER', R2_BUCKET_NAME: 'plugins', VST_LINUX_DIR: localDir });
    raw.push(await timed(() => rawDownload(through)));
    cold.push(await timed(() => syncBundles(config, { concurrency: CONCURRENCY })));
    unchanged.push(await timed(() => syncBundles(config, { concurrency: CONCURRENCY })));
    rmSync(localDir, { recursive: true, force: true });
  }
  console.log(`${what}:`);
  console.log(`  raw download ${ms(median(raw))} [${raw.map(ms).join(', ')}]`);
  console.log(`  cold sync ${ms(median(cold))} [${cold.map(ms).join(', ')}]: raw / cold ${(median(raw) / median(cold)).toFixed(2)}`);
  console.log(`  no-change sync ${ms(median(unchanged))} [${unchanged.map(ms).join(', ')}]`);
}
console.log(`load after ${load()}`);
client.destroy();
serverProcess.kill();
rmSync(scratch, { recursive: true, force: true });
