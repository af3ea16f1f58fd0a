// Progress through the render pool: a mix's stages reach the caller from inside its worker, in
// either isolation, in order and before the answer; and process workers die with the process
// that started their pool, even in the middle of a render.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { createPool, readAudio, renderMixFile, writeAudio } from '../src/index.js';
import { RATE, until } from './fixtures/pool.js';
import { root, testBundle, testSignal } from './helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'mixchain-pool-progress-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
// Fresh buffers for every render: a thread pool takes them over.
const vocal = () => ({ sampleRate: RATE, channels: testSignal(RATE, RATE, 1) });
const beat = () => ({ sampleRate: RATE, channels: testSignal(RATE, RATE, 2) });
// The default recipe's reverb is on a send, so its mixes have a bus.
const MIX_STAGES = ['decoding', 'vocal', 'buses', 'master', 'loudness'];

interface Call {
  fraction: number;
  stage: string;
  /** Whether the render's promise had settled when the call came. */
  answered: boolean;
}

/** Runs a render, recording each progress call and whether the render had answered by then. */
async function recorded(render: (onProgress: (fraction: number, stage: string) => void) => Promise<unknown>): Promise<Call[]> {
  const calls: Call[] = [];
  let answered = false;
  await render((fraction, stage) => calls.push({ fraction, stage, answered })).finally(() => (answered = true));
  return calls;
}

function expectInOrder(calls: Call[], stages: string[]): void {
  expect(calls.map((c) => c.stage)).toEqual(stages);
  const fractions = calls.map((c) => c.fraction);
  expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
  expect(fractions[0]).toBe(0);
  expect(fractions.at(-1)).toBeLessThan(1);
}

describe('mix progress', () => {
  it('renderMixFile reports each stage as it starts, then written', async () => {
    const [vocalFile, output] = [join(scratch, 'vocal.wav'), join(scratch, 'in-process.wav')];
    writeAudio(vocalFile, vocal().channels, RATE, { sampleType: 'float' });
    const calls = await recorded((onProgress) => renderMixFile('default', { vocal: vocalFile }, output, { onProgress }));
    expect(calls.map((c) => [c.stage, c.fraction])).toEqual([
      ['decoding', 0],
      ['vocal', 0.15],
      ['buses', 0.6],
      ['master', 0.7],
      ['loudness', 0.9],
      ['encoding', 0.95],
      ['written', 1],
    ]);
  });

  for (const isolation of ['thread', 'process'] as const) {
    it(`reaches the caller of a ${isolation} pool, every stage before the answer; encoding when the worker writes the file`, async () => {
      const pool = createPool({ workers: 1, isolation });
      const output = join(scratch, `${isolation}.wav`);
      let inMemory: Call[];
      let toFile: Call[];
      try {
        inMemory = await recorded((onProgress) => pool.renderMix('default', { vocal: vocal(), beat: beat() }, { onProgress }));
        toFile = await recorded((onProgress) => pool.renderMix('default', { vocal: vocal(), beat: beat() }, { onProgress, outputPath: output }));
      } finally {
        // Every worker has ended: nothing a render reported can still be on its way.
        await pool.close();
      }
      expectInOrder(inMemory, MIX_STAGES);
      expectInOrder(toFile, [...MIX_STAGES, 'encoding']);
      expect(toFile.at(-1)!.fraction).toBe(0.95);
      expect([...inMemory, ...toFile].filter((c) => c.answered)).toEqual([]);
      expect(readAudio(output).channels).toHaveLength(2);
    });
  }
});

/** Whether the process still runs. A zombie has ended: it waits only for its parent (after an orphaning, init) to collect it. */
function running(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
  return stat[stat.lastIndexOf(')') + 2] !== 'Z';
}

describe('process workers', () => {
  it('end when the process that started their pool is killed (SIGKILL) in the middle of a render', async () => {
    const fixture = spawn(process.execPath, [join(root, 'test', 'fixtures', 'pool-orphan.mjs'), testBundle], { stdio: ['ignore', 'pipe', 'inherit'] });
    let pids: number[] = [];
    try {
      // The fixture prints its workers once its render runs (a render that never ends by itself).
      for await (const line of createInterface({ input: fixture.stdout })) {
        pids = JSON.parse(line) as number[];
        break;
      }
      expect(pids).toHaveLength(1);
      expect(pids.every(running)).toBe(true);
      fixture.kill('SIGKILL');
      await until(() => !pids.some(running), 'the workers to end', 10_000);
    } finally {
      fixture.kill('SIGKILL');
      // Should a worker outlive the test, it would wait in its plugin for good.
      for (const pid of pids.filter(running)) process.kill(pid, 'SIGKILL');
    }
  });
});
