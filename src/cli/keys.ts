import type { Command } from 'commander';
import { MixchainError } from '../errors.js';
import type { KeyStore } from '../storage/keys.js';
import { print } from './stdout.js';

/** Runs `use` on the key store of the data folder; the database is loaded only for these commands. */
async function withKeys<T>(dataDir: string | undefined, use: (keys: KeyStore) => T): Promise<T> {
  const [{ DEFAULT_DATA_DIR }, { openDatabase }, { KeyStore }] = await Promise.all([import('../server/config.js'), import('../storage/database.js'), import('../storage/keys.js')]);
  const db = openDatabase(dataDir ?? process.env.MIXCHAIN_DATA_DIR ?? DEFAULT_DATA_DIR);
  try {
    return use(new KeyStore(db));
  } finally {
    db.close();
  }
}

/** `mixchain keys create|list|revoke`: the service's API keys, in its database. */
export function addKeysCommands(program: Command): void {
  const keys = program.command('keys').description("the service's API keys (stored hashed; a key is shown once, when made)");
  const dataDir = ['--data-dir <folder>', 'the service data folder (MIXCHAIN_DATA_DIR, default ~/.local/share/mixchain)'] as const;
  keys
    .command('create')
    .description('make a key and print it (the only time it is shown)')
    .requiredOption('--name <label>', 'what the key is for')
    .option(...dataDir)
    .option('--json', 'print { id, name, key } as JSON')
    .action(async (values: { name: string; dataDir?: string; json?: boolean }) => {
      const created = await withKeys(values.dataDir, (store) => store.create(values.name));
      print(values.json ? JSON.stringify({ id: created.id, name: created.name, key: created.key }) : `${created.key}\n(id ${created.id}, "${created.name}": store it now, it is not shown again)`);
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
      if (!(await withKeys(values.dataDir, (store) => store.revoke(id)))) throw new MixchainError('ERR_KEY_NOT_FOUND', `Expected an active key with id '${id}' but there is none (see mixchain keys list)`);
      print(`revoked ${id}`);
    });
}
