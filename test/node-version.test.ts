import { expect, test } from 'vitest';

// test/node-versions.sh runs the suite with another Node first on PATH; this proves the test
// processes really run on the version it asked for (and not on the machine's own Node).
const expected = process.env.MIXCHAIN_EXPECT_NODE;

test.runIf(expected)('the suite runs on the Node test/node-versions.sh asked for', () => {
  expect(process.versions.node).toBe(expected);
});
