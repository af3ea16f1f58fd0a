// Loads the compiled addon: MIXCHAIN_BINDING when set (a Debug build, say), else the build in
// the package. A missing or unloadable addon gets an error that says how to build it.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageDirectory } from '../package-dir.js';
import { MixchainError } from '../errors.js';
import type { NativeBinding } from './types.js';


function load(): NativeBinding {
  const candidates = process.env.MIXCHAIN_BINDING
    ? [process.env.MIXCHAIN_BINDING]
    : [join(packageDirectory, 'build', 'Release', 'mixchain.node'), join(packageDirectory, 'build', 'Debug', 'mixchain.node')];
  const require = createRequire(import.meta.url);
  const failures: string[] = [];
  for (const candidate of candidates) {
    if (!existsSync(candidate)) {
      failures.push(`${candidate}: not built`);
      continue;
    }
    try {
      return require(candidate) as NativeBinding;
    } catch (error) {
      failures.push(`${candidate}: ${(error as Error).message}`);
    }
  }
  throw new MixchainError(
    'ERR_ADDON_NOT_BUILT',
    [
      'Could not load the mixchain addon:',
      ...failures.map((f) => `  - ${f}`),
      'Possible solutions:',
      '  - build it: npm run build:native (needs cmake, g++, libsndfile1-dev and juce-modules-source-data)',
      '  - or run the set-up: npm run setup',
    ].join('\n'),
  );
}

/** The addon, loaded on first use. */
export const binding: NativeBinding = load();
