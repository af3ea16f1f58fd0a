// How the mixchain command reads what a user types: negative numbers in the ordinary form
// (`--lufs -16`), our coded error for a number that is not one, repeatable options, help per
// command, and usage errors (exit 2) that name the option.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { measureLoudness, readAudio, writeAudio } from '../src/index.js';
import { synthesizeBeat } from '../src/demo/material.js';
import { root, testBundle, testSignal } from './helpers.js';

const run = promisify(execFile);
const cli = join(root, 'dist', 'cli', 'main.js');
const scratch = mkdtempSync(join(tmpdir(), 'mixchain-cli-args-'));
const mixchain = (...args: string[]) => run(process.execPath, [cli, ...args], { maxBuffer: 16 << 20 });

// Short material keeps each mix to a couple of seconds: a 1.5 s mono "vocal" and beat.
const vocal = join(scratch, 'vocal.wav');
const beat = join(scratch, 'beat.wav');
writeAudio(vocal, testSignal(66150, 44100, 1), 44100, { sampleType: 'float' });
writeAudio(beat, synthesizeBeat(1.5), 44100, { sampleType: 'float' });

describe('mixchain mix reads negative numbers as typed', () => {
  const preview = ['mix', '--vocal', vocal, '--beat', beat, '--reverb', 'none', '--start', '0', '--duration', '1', '--json'];

  it('--lufs -16 targets -16 LUFS, --start 0 --duration 1 previews the first second, --extra repeats', async () => {
    const out = join(scratch, 'lufs.wav');
    const { stdout } = await mixchain(...preview, '--lufs', '-16', '--extra', vocal, '--extra', vocal, '-o', out);
    const report = JSON.parse(stdout);
    expect(report.loudness.targetLufs).toBe(-16);
    expect(report.preview).toMatchObject({ start: 0, duration: 1 });
    expect(report.tracks.map((t: { name: string }) => t.name)).toEqual(['vocal', 'extra 1', 'extra 2', 'beat']);
    const mixed = readAudio(out);
    expect(mixed.channels[0]).toHaveLength(44100);
    expect(measureLoudness(mixed.channels, mixed.sampleRate).integratedLufs).toBeCloseTo(-16, 0);
  });

  it('--vocal-gain -3.5 --beat-gain -6 turn the tracks down', async () => {
    const masterLufs = async (...gains: string[]) => {
      const { stdout } = await mixchain(...preview, '--lufs', 'none', ...gains, '-o', join(scratch, 'gains.wav'));
      return JSON.parse(stdout).master.integratedLufs as number;
    };
    const unchanged = await masterLufs();
    const change = (await masterLufs('--vocal-gain', '-3.5', '--beat-gain', '-6')) - unchanged;
    // Both tracks 3.5 to 6 dB down: the master between them (its compressor may take a little).
    expect(change).toBeLessThan(-1.5);
    expect(change).toBeGreaterThan(-6.5);
  });

  it('refuses a number option that is not a number, naming the option', async () => {
    const refusals = ['abc', '', 'NaN', '1e999', '-'].map((value) =>
      expect(mixchain('mix', '--vocal', vocal, '-o', join(scratch, 'never.wav'), '--vocal-gain', value)).rejects.toMatchObject({
        code: 1,
        stderr: `mixchain: ERR_INVALID_ARGUMENT: Expected a number for --vocal-gain but got '${value}'\n`,
      }),
    );
    await Promise.all(refusals);
  });

  it('passes a negative start to the library, which refuses it as out of range', async () => {
    await expect(mixchain('mix', '--vocal', vocal, '--start', '-1', '--duration', '1', '-o', join(scratch, 'never.wav'))).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^mixchain: ERR_MIX_INVALID: Expected a number of seconds >= 0 for start but got -1$/m),
    });
  });
});

describe('mixchain render reads negative numbers as typed', () => {
  const input = join(scratch, 'in.wav');
  writeAudio(input, testSignal(44100), 44100, { sampleType: 'float' });
  const gain = `${testBundle}:Mixchain Gain`;
  const render = (...args: string[]) => mixchain('render', input, '-o', join(scratch, 'rendered.wav'), '--chain', gain, '--sample-type', 'float', ...args);

  it('--set 0:Gain=-6 turns the signal down by 6 dB', async () => {
    await render('--set', '0:Gain=-6', '--block', '512', '--tail', '0');
    const rendered = readAudio(join(scratch, 'rendered.wav')).channels;
    const original = readAudio(input).channels;
    const factor = 10 ** (-6 / 20);
    for (let c = 0; c < 2; c++) {
      const worst = original[c]!.reduce((most, x, i) => Math.max(most, Math.abs(rendered[c]![i]! - x * factor)), 0);
      expect(worst).toBeLessThan(1e-6);
    }
  });

  it('--tail -1 and --block -256 reach the library and fail its range checks', async () => {
    await expect(render('--tail', '-1')).rejects.toMatchObject({
      code: 1,
      stderr: "mixchain: ERR_INVALID_TAIL: Expected a number of seconds from 0 to 300 or 'auto' for tail but got -1\n",
    });
    await expect(render('--block', '-256')).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/^mixchain: ERR_INVALID_BLOCK_SIZE: .* but got -256$/m) });
  });

  it('refuses --block that is not a number, naming it', async () => {
    await expect(render('--block', 'big')).rejects.toMatchObject({ code: 1, stderr: "mixchain: ERR_INVALID_ARGUMENT: Expected a number for --block but got 'big'\n" });
  });
});

describe('mixchain plugins status', () => {
  it('takes --recipe more than once', async () => {
    const { stdout } = await mixchain('plugins', 'status', '--recipe', 'default', '--recipe', 'hise', '--json');
    expect(Object.keys(JSON.parse(stdout).missing)).toEqual(['default', 'hise']);
  });
});

describe('mixchain help', () => {
  it('lists the commands for mixchain, mixchain --help and mixchain help', async () => {
    const outputs = await Promise.all([[], ['--help'], ['help']].map(async (args) => (await mixchain(...args)).stdout));
    for (const stdout of outputs) {
      expect(stdout).toMatch(/^Usage: mixchain \[options\] \[command\]/);
      for (const command of ['plugins', 'render', 'mix', 'recipes', 'demo']) expect(stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    }
  });

  it("prints each command's own options", async () => {
    const commands = ['mix', 'plugins sync', 'render', 'plugins info', 'plugins ls', 'plugins status', 'recipes', 'demo'];
    const helps = await Promise.all(commands.map(async (command) => (await mixchain(...command.split(' '), '--help')).stdout));
    const help = Object.fromEntries(commands.map((command, i) => [command, helps[i]!]));
    for (const command of commands) expect(help[command]).toMatch(new RegExp(`^Usage: mixchain ${command} `));
    for (const option of ['--vocal <file>', '--vocal-gain <dB>', '--beat-gain <dB>', '--lufs <LUFS>', '--start <s>', '-o, --output <file>']) expect(help.mix).toContain(option);
    expect(help.mix).not.toContain('--chain');
    for (const option of ['--prune', '--recipe <recipe>', '--concurrency <N>', '--json']) expect(help['plugins sync']).toContain(option);
    expect(help['plugins sync']).not.toContain('--vocal');
    expect(help.render).toContain('--tail <seconds>');
    expect(help['plugins info']).toContain('--class <name>');
    expect(help['plugins ls']).toContain('--local');
    expect(help['plugins status']).toContain('--recipe <recipe>');
    expect(help.recipes).toContain('[recipe...]');
    expect(help.demo).toContain('-o, --output <file>');
  });
});

describe('mixchain usage errors', () => {
  const out = join(scratch, 'never.wav');

  it('an unknown option exits 2 naming the option, on every command', async () => {
    const cases: Array<[string, string[]]> = [
      ['--lufs-target', ['mix', '--vocal', vocal, '-o', out, '--lufs-target', '-16']],
      ['--gain', ['render', vocal, '-o', out, '--chain', 'ZamEQ2', '--gain', '-6']],
      ['--prune-all', ['plugins', 'sync', '--prune-all']],
      ['--yaml', ['recipes', '--yaml']],
    ];
    await Promise.all(cases.map(([unknown, args]) => expect(mixchain(...args)).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining(`mixchain: unknown option '${unknown}'`) })));
  });

  it('a value left out, a missing required option and an unknown command exit 2', async () => {
    await Promise.all([
      expect(mixchain('mix', '--vocal', vocal, '-o', out, '--lufs')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining("mixchain: option '--lufs <LUFS>' argument missing") }),
      expect(mixchain('mix', '--vocal', vocal)).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining("mixchain: required option '-o, --output <file>' not specified") }),
      expect(mixchain('remix')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining("mixchain: unknown command 'remix'") }),
    ]);
  });
});
