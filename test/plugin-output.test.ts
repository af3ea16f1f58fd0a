// What plugins print: in process workers it reaches the pool's onPluginOutput hook with the
// plugin, the call and the render, never the parent's stdout; the CLI's --json keeps stdout for
// the JSON alone. Mixchain Chatty prints a line on stdout as it is activated and one on stderr
// on its first block.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createPool, writeAudio, type PluginOutput } from '../src/index.js';
import { audio } from './fixtures/pool.js';
import { root, testBundle, testSignal } from './helpers.js';

const run = promisify(execFile);
const chatty = [{ plugin: testBundle, className: 'Mixchain Chatty' }];
const scratch = mkdtempSync(join(tmpdir(), 'mixchain-output-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('plugin output in process workers', () => {
  it('reaches onPluginOutput with the plugin, the call and the render, line by line', async () => {
    const lines: PluginOutput[] = [];
    const pool = createPool({ workers: 1, onPluginOutput: (line) => lines.push(line) });
    try {
      await pool.render(chatty, audio(0.2), { label: 'job-7' });
      const workerPid = pool.stats().workers[0]!.pid;
      await pool.close();
      expect(lines).toContainEqual({
        stream: 'stdout',
        text: 'chatty: activated at 44100 Hz',
        plugin: 'Mixchain Chatty',
        phase: 'setActive',
        task: expect.any(Number),
        worker: 1,
        pid: workerPid,
        render: 'job-7',
      });
      // Printed while processing: charged to the call only when read while it still runs (no
      // check after every block: that would cost every render); it arrives whole either way.
      const processing = lines.find((l) => /^chatty: processing \d+ frames$/.test(l.text));
      expect(processing?.stream).toBe('stderr');
      expect(lines.every((l) => l.text.length > 0 && !l.text.includes('\n'))).toBe(true);
    } finally {
      await pool.close();
    }
  });

  it('goes to stderr by default, labelled, and never to stdout', async () => {
    const { stdout, stderr } = await run(process.execPath, [join(root, 'test', 'fixtures', 'pool-default-output.mjs'), testBundle]);
    expect(stdout).toBe('rendered\n');
    expect(stderr).toContain("mixchain worker 1: plugin 'Mixchain Chatty' (setActive, render job-42): chatty: activated at 44100 Hz\n");
  });
});

describe('plugin output and the CLI', () => {
  it('keeps --json alone on stdout: what plugins print goes to stderr, labelled', async () => {
    const input = join(scratch, 'in.wav');
    writeAudio(input, testSignal(22050), 44100, { sampleType: 'float' });
    const cli = join(root, 'dist', 'cli', 'main.js');
    const { stdout, stderr } = await run(process.execPath, [cli, 'render', input, '-o', join(scratch, 'out.wav'), '--chain', `${testBundle}:Mixchain Chatty`, '--json']);
    const report = JSON.parse(stdout) as { blocks?: number };
    expect(report).toBeTypeOf('object');
    expect(stderr).toContain("plugin 'Mixchain Chatty' (setActive): chatty: activated at 44100 Hz\n");
  });
});
