// `mixchain plugins sync | ls | status`: the plugin bundles from the bucket, what is installed,
// and whether storage is configured.
import type { Command } from 'commander';
import { syncConfigFromEnv } from '../sync/config.js';
import { localBundles, pluginStatus } from '../sync/status.js';
import { SyncFailedError, syncBundles, type SyncReport } from '../sync/sync.js';
import { progressBar } from './progress.js';
import { numberOption, repeatableOption } from './option-values.js';
import { print } from './stdout.js';

export function addPluginsSyncCommands(plugins: Command): void {
  plugins
    .command('sync')
    .description('download the plugin bundles from the bucket that are new or changed')
    .option('--prune', 'also remove bundles gone from the bucket')
    .addOption(repeatableOption('--recipe <recipe>', 'fail at once, naming every bundle the recipe needs that the bucket lacks; repeatable'))
    .addOption(numberOption('--concurrency <N>', 'downloads at once (default 4)'))
    .option('--json', 'print the report as JSON')
    .action(pluginsSync);
  plugins
    .command('ls')
    .description('the installed bundles, their ETag and size, and whether the bucket has a newer one')
    .option('--local', 'do not ask the bucket')
    .option('--json', 'print the list as JSON')
    .action(pluginsLs);
  plugins
    .command('status')
    .description('whether storage is configured: provider, bucket, prefix, last sync, missing bundles')
    .addOption(repeatableOption('--recipe <recipe>', 'list the bundles this recipe needs that are not installed; repeatable'))
    .option('--json', 'print the status as JSON')
    .action(pluginsStatus);
}

function describeReport(report: SyncReport): string {
  const lines = [
    `bucket ${report.bucket}, prefix ${report.prefix}/ → ${report.localDir}`,
    `installed ${report.installed.length}${report.installed.length ? `: ${report.installed.map((b) => `${b.name} (${(b.size / 2 ** 20).toFixed(1)} MiB)`).join(', ')}` : ''}`,
    `unchanged ${report.unchanged.length}${report.unchanged.length ? `: ${report.unchanged.join(', ')}` : ''}`,
  ];
  if (report.removed.length) lines.push(`removed ${report.removed.length}: ${report.removed.join(', ')}`);
  if (report.stale.length) lines.push(`no longer in the bucket (kept; --prune removes them): ${report.stale.join(', ')}`);
  for (const failed of report.failed) lines.push(`FAILED ${failed.name}: ${failed.code}: ${failed.reason}`);
  lines.push(`${(report.downloadedBytes / 2 ** 20).toFixed(1)} MiB downloaded in ${report.seconds.toFixed(2)} s`);
  return lines.join('\n');
}

async function pluginsSync(values: { prune?: boolean; recipe?: string[]; concurrency?: number; json?: boolean }): Promise<void> {
  const config = syncConfigFromEnv();
  const bar = values.json ? undefined : progressBar();
  let report: SyncReport;
  try {
    report = await syncBundles(config, {
      prune: values.prune,
      recipes: values.recipe ?? [],
      concurrency: values.concurrency,
      ...(bar ? { onProgress: (p) => bar(p.totalBytes ? p.bytes / p.totalBytes : 1, `${p.bundle} ${p.phase}`) } : {}),
    });
  } catch (error) {
    if (!(error instanceof SyncFailedError)) throw error;
    report = error.report;
  }
  if (bar) bar(1, 'done');
  print(values.json ? JSON.stringify(report, null, 2) : describeReport(report));
  if (report.failed.length > 0) process.exitCode = 1;
}

async function pluginsLs(values: { local?: boolean; json?: boolean }): Promise<void> {
  const status = pluginStatus();
  const config = status.configured && !values.local ? syncConfigFromEnv() : { localDir: status.localDir };
  const bundles = await localBundles(config, !values.local && status.configured);
  if (values.json) {
    print(JSON.stringify(bundles, null, 2));
    return;
  }
  print(`${status.localDir}: ${bundles.length} bundle${bundles.length === 1 ? '' : 's'}`);
  for (const b of bundles) {
    const version = b.source === 'sync' ? `etag ${b.etag}, ${((b.size ?? 0) / 2 ** 20).toFixed(1)} MiB, installed ${b.installedAt}` : 'installed by hand';
    const remote = b.inBucket === null ? '' : b.inBucket === false ? ', not in the bucket' : b.newerInBucket ? ', NEWER IN THE BUCKET' : ', up to date';
    print(`  ${b.name.padEnd(20)} ${version}${remote}`);
  }
}

async function pluginsStatus(values: { recipe?: string[]; json?: boolean }): Promise<void> {
  const status = pluginStatus(process.env, values.recipe);
  if (values.json) {
    print(JSON.stringify(status, null, 2));
    return;
  }
  const storage = status.storage;
  print(storage ? `storage: ${storage.provider}, bucket ${storage.bucket}, prefix ${storage.prefix}/, endpoint ${storage.endpoint}` : `storage: not configured (${status.problem})`);
  print(`plugin folder: ${status.localDir}; ${status.installed} bundles from the bucket; last sync ${status.lastSync ?? 'never'}`);
  for (const [recipe, missing] of Object.entries(status.missing)) {
    print(`recipe ${recipe}: ${missing.length ? `missing ${missing.join(', ')}` : 'every bundle installed'}`);
  }
}
