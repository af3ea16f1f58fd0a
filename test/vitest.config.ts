import { defineConfig } from 'vitest/config';

// Tests that load the addon run in forked processes (a plugin crash must not take the runner
// down), one file at a time: plugins are CPU-heavy and the machine has two cores.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
