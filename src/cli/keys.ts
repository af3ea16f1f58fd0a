import type { Command } from 'commander';
import { MixchainError } from '../errors.js';
import type { KeyWebhooks } from '../delivery/key-webhooks.js';
import type { KeyStore } from '../storage/keys.js';
import { print } from './stdout.js';

/**
 * Runs `use` on the key stores: the data folder's database, or Redis when REDIS_URL is set (the
 * keys every node of a distributed service shares). Loaded only for these commands.
 */
async function withKeys<T>(dataDir: string | undefined, use: (keys: KeyStore, webhooks: KeyWebhooks) => Promise<T>): Promise<T> {
  const [{ DEFAULT_DATA_DIR, redisSettings }, { openRecords }] = await Promise.all([import('../server/config.js'), import('../server/records.js')]);
  const records = await openRecords({ dataDir: dataDir ?? process.env.MIXCHAIN_DATA_DIR ?? DEFAULT_DATA_DIR, ...redisSettings() });
  try {
    return await use(records.keys, records.webhooks);
  } finally {
    await records.close();
  }
}

/** A webhook URL as a target must look (http or https, no credentials); where it resolves is checked when sending. */
async function webhookUrl(url: string): Promise<string> {
  const { parseTarget } = await import('../delivery/targets.js');
  return parseTarget(url).href;
}

const keyNotFound = (id: string) => new MixchainError('ERR_KEY_NOT_FOUND', `Expected an active key with id '${id}' but there is none (see mixchain keys list)`);

/** `mixchain keys create|list|revoke|webhook`: the service's API keys, in its database (or Redis, with REDIS_URL). */
export function addKeysCommands(program: Command): void {
  const keys = program.command('keys').description("the service's API keys (stored hashed; a key is shown once, when made)");
  const dataDir = ['--data-dir <folder>', 'the service data folder (MIXCHAIN_DATA_DIR, default ~/.local/share/mixchain)'] as const;
  keys
    .command('create')
    .description('make a key and print it (the only time it is shown)')
    .requiredOption('--name <label>', 'what the key is for')
    .option('--webhook <url>', "default webhook for the key's jobs (a job's own webhookUrl wins)")
    .option(...dataDir)
    .option('--json', 'print { id, name, key, webhookSecret } as JSON')
    .action(async (values: { name: string; webhook?: string; dataDir?: string; json?: boolean }) => {
      const url = values.webhook ? await webhookUrl(values.webhook) : null;
      const created = await withKeys(values.dataDir, async (store, webhooks) => {
        const key = await store.create(values.name);
        const webhookSecret = await webhooks.newSecret(key.id);
        if (url) await webhooks.setUrl(key.id, url);
        return { ...key, webhookSecret };
      });
      print(
        values.json
          ? JSON.stringify({ id: created.id, name: created.name, key: created.key, webhookSecret: created.webhookSecret, webhookUrl: url })
          : `${created.key}\n${created.webhookSecret}\n(id ${created.id}, "${created.name}": the key, then the secret its webhooks are signed with; store both now, they are not shown again)`,
      );
    });
  keys
    .command('webhook')
    .description("a key's default webhook URL, and a new signing secret (shown once)")
    .argument('<id>', 'the key id (key_…), as keys list shows it')
    .option('--url <url>', 'the default webhook URL for its jobs')
    .option('--clear', 'no default webhook URL')
    .option('--new-secret', 'make a new signing secret (the old one stops at once) and print it')
    .option(...dataDir)
    .action(async (id: string, values: { url?: string; clear?: boolean; newSecret?: boolean; dataDir?: string }) => {
      if (values.url && values.clear) throw new MixchainError('ERR_INVALID_ARGUMENT', 'Expected --url or --clear, not both');
      if (!values.url && !values.clear && !values.newSecret) throw new MixchainError('ERR_INVALID_ARGUMENT', 'Expected --url <url>, --clear or --new-secret');
      const url = values.url ? await webhookUrl(values.url) : null;
      const secret = await withKeys(values.dataDir, async (store, webhooks) => {
        if (!(await store.list()).some((k) => k.id === id && !k.revokedAt)) throw keyNotFound(id);
        if (values.url || values.clear) await webhooks.setUrl(id, url);
        return values.newSecret ? webhooks.newSecret(id) : null;
      });
      if (secret) print(`${secret}\n(the new signing secret of ${id}: store it now, it is not shown again)`);
      if (values.url || values.clear) print(url ? `webhook of ${id}: ${url}` : `webhook of ${id}: none`);
    });
  keys
    .command('list')
    .description("every key's id, name, creation, last use and whether it is revoked (never the key)")
    .option(...dataDir)
    .option('--json', 'print the list as JSON')
    .action(async (values: { dataDir?: string; json?: boolean }) => {
      const list = await withKeys(values.dataDir, (store) => store.list());
      if (values.json) return print(JSON.stringify(list, null, 2));
      for (const k of list) print(`${k.id}  ${k.name}  created ${k.createdAt}  last used ${k.lastUsedAt ?? 'never'}${k.revokedAt ? `  REVOKED ${k.revokedAt}` : ''}`);
    });
  keys
    .command('revoke')
    .description('end a key at once')
    .argument('<id>', 'the key id (key_…), as keys list shows it')
    .option(...dataDir)
    .action(async (id: string, values: { dataDir?: string }) => {
      if (!(await withKeys(values.dataDir, (store) => store.revoke(id)))) throw keyNotFound(id);
      print(`revoked ${id}`);
    });
}
