import { execFileSync } from 'node:child_process';
import { expect, test } from 'vitest';

// The suite runs on the Node first on PATH: test/node-versions.sh puts Node 22 and 24 there and
// names the version it expects, and this proves the test processes (not just npm) run on it.
test('the suite runs on the Node first on PATH (the one test/node-versions.sh asks for)', () => {
  const onPath = execFileSync('node', ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
  expect(process.versions.node).toBe(onPath);
  if (process.env.MIXCHAIN_EXPECT_NODE) expect(process.versions.node).toBe(process.env.MIXCHAIN_EXPECT_NODE);
});
