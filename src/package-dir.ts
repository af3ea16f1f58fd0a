import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's own folder (where build/ and the shipped recipes live). */
export const packageDirectory = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * A compiled module of the package, for worker threads and child processes to run: always from
 * dist/, also when the caller runs from the TypeScript sources (tests).
 */
export const compiledModule = (path: string) => join(packageDirectory, 'dist', path);

/** The package's version, from its package.json. */
export const packageVersion = (JSON.parse(readFileSync(join(packageDirectory, 'package.json'), 'utf8')) as { version: string }).version;
