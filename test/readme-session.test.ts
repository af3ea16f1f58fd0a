// The README's curl session, run as written against `mixchain serve` started as the README says:
// what a newcomer types must give them a mix back.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { decodeAudio } from '../src/index.js';
import { makeAudio, type AudioFixtures } from './fixtures/server.js';
import { root } from './helpers.js';

let serve: ChildProcess;
let folder: string;
let audio: AudioFixtures;
let port = 0;
let key = '';

/** The shell block of the README's Service section that talks to the API. */
function curlSession(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const service = readme.slice(readme.indexOf('## Service'));
  const blocks = [...service.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const session = blocks.find((b) => b.includes('$API/mix'));
  if (!session) throw new Error("The README's Service section has no curl session");
  return session;
}

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'mixchain-readme-'));
  audio = await makeAudio(4);
  copyFileSync(audio.vocalM4a, join(folder, 'vocal.m4a'));
  copyFileSync(audio.beatWav, join(folder, 'beat.wav'));
  serve = spawn(process.execPath, [join(root, 'dist/cli/main.js'), 'serve', '--port', '0', '--data-dir', join(folder, 'data'), '--workers', '1'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, MIXCHAIN_WARM: 'default' },
  });
  let stderr = '';
  serve.stderr!.setEncoding('utf8');
  serve.stderr!.on('data', (text: string) => (stderr += text));
  // The first start prints the key it made, then where it serves.
  while (!/serving on http:\/\/127\.0\.0\.1:(\d+)/.test(stderr)) {
    const [exit] = await Promise.race([once(serve.stderr!, 'data'), once(serve, 'exit').then((e) => [`exited ${String(e[0])}: ${stderr}`])]);
    if (typeof exit === 'string' && exit.startsWith('exited')) throw new Error(exit);
  }
  port = Number(/serving on http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr)![1]);
  key = /^\s+(mck_\S+)$/m.exec(stderr)![1]!;
});

afterAll(async () => {
  if (serve && serve.exitCode === null) {
    serve.kill('SIGTERM');
    await once(serve, 'exit');
  }
  audio?.remove();
  rmSync(folder, { recursive: true, force: true });
});

it("the README's curl session gets a mix back: synchronous, then as a job in two formats", async () => {
  const script = curlSession().replaceAll('http://127.0.0.1:8080', `http://127.0.0.1:${port}`);
  const printed = execFileSync('bash', ['-euo', 'pipefail', '-c', script], { cwd: folder, env: { ...process.env, KEY: key }, encoding: 'utf8' });
  expect(printed).toMatch(/"completed"/);
  expect(readFileSync(join(folder, 'headers.txt'), 'utf8')).toMatch(/mixchain-loudness-lufs: -1[34]\.\d\d/i);
  for (const file of ['mix.wav', 'mix.mp3', 'mix.flac']) {
    const mix = await decodeAudio(join(folder, file));
    expect(mix.channels).toHaveLength(2);
    expect(mix.channels[0]!.length / mix.sampleRate).toBeGreaterThan(3.5);
  }
});
