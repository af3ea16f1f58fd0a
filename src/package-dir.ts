import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's own folder (where build/ and the shipped recipes live). */
export const packageDirectory = join(dirname(fileURLToPath(import.meta.url)), '..');
