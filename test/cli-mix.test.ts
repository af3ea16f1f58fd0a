// mixchain mix and mixchain recipes, run as a user runs them.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { measureLoudness, readAudio, writeAudio } from '../src/index.js';
import { speakVocal, synthesizeBeat } from '../src/demo/material.js';
import { root } from './helpers.js';

const run = promisify(execFile);
const cli = join(root, 'dist', 'cli', 'main.js');
const scratch = mkdtempSync(join(tmpdir(), 'mixchain-cli-mix-'));
const vocal = join(scratch, 'vocal.wav');
const beat = join(scratch, 'beat.flac');

const mixchain = (...args: string[]) => run(process.execPath, [cli, ...args], { maxBuffer: 16 << 20 });

beforeAll(async () => {
  await speakVocal('Testing the mix command, one two.', vocal);
  writeAudio(beat, synthesizeBeat(3), 44100, { sampleType: 'pcm24' });
});

describe('mixchain mix', () => {
  it('mixes a vocal over a beat to -14 LUFS and reports it', async () => {
    const out = join(scratch, 'mix.wav');
    const { stdout } = await mixchain('mix', '--vocal', vocal, '--beat', beat, '-o', out, '--json');
    const report = JSON.parse(stdout);
    expect(report.recipe).toBe('default');
    expect(report.tracks.map((t: { name: string }) => t.name)).toEqual(['vocal', 'beat']);
    const mixed = readAudio(out);
    const loudness = measureLoudness(mixed.channels, mixed.sampleRate);
    expect(Math.abs(loudness.integratedLufs + 14)).toBeLessThanOrEqual(0.5);
    expect(loudness.truePeakDbtp).toBeLessThanOrEqual(-1);
  });

  it('takes a phone recording (M4A at 48 kHz), choices, a loudness preset and a preview', async () => {
    const m4a = join(scratch, 'phone.m4a');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', vocal, '-ar', '48000', '-c:a', 'aac', m4a]);
    const out = join(scratch, 'preview.flac');
    const { stdout } = await mixchain('mix', '--vocal', m4a, '--beat', beat, '--reverb', 'reverb2', '--doubler', '--lufs', 'podcast', '--start', '0.5', '--duration', '1.5', '-o', out, '--json');
    const report = JSON.parse(stdout);
    expect(report.choices).toEqual({ reverb: 'reverb2', doubler: true, robot: false });
    expect(report.tracks[0].inputSampleRate).toBe(48000);
    expect(readAudio(out).channels[0]).toHaveLength(1.5 * 44100);
    expect(report.loudness.targetLufs).toBe(-16);
  });

  it('prints a readable report', async () => {
    const { stdout } = await mixchain('mix', '--vocal', vocal, '--robot', '--reverb', 'none', '-o', join(scratch, 'robot.wav'));
    expect(stdout).toMatch(/recipe default: reverb none, doubler off, robot on/);
    expect(stdout).toMatch(/loudness .* → -1[34]\.\d LUFS \(target -14\)/);
    expect(stdout).toMatch(/master latency 480 compensated/);
  });

  it('fails with a coded message and writes nothing for bad input', async () => {
    const garbage = join(scratch, 'garbage.mp3');
    writeFileSync(garbage, Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 31) % 256)));
    const out = join(scratch, 'never.wav');
    await expect(mixchain('mix', '--vocal', garbage, '-o', out)).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/ERR_AUDIO_DECODE: The vocal track: Cannot decode/) });
    await expect(mixchain('mix', '--vocal', vocal, '--reverb', 'cathedral', '-o', out)).rejects.toMatchObject({ stderr: expect.stringMatching(/ERR_RECIPE_INVALID.*--reverb.*reverb1, reverb2, reverb3new, none/) });
    await expect(mixchain('mix', '--vocal', vocal, '--recipe', 'hise', '-o', out)).rejects.toMatchObject({ stderr: expect.stringMatching(/ERR_RECIPE_BUNDLES_MISSING.*Project1/) });
    await expect(mixchain('mix', '--vocal', vocal, '--lufs', 'loud', '-o', out)).rejects.toMatchObject({ stderr: expect.stringMatching(/ERR_INVALID_LOUDNESS_TARGET/) });
    expect(existsSync(out)).toBe(false);
  });
});

describe('mixchain recipes', () => {
  it('lists the recipes, their roles, and which plugins are installed', async () => {
    const { stdout } = await mixchain('recipes', '--json');
    const recipes = JSON.parse(stdout);
    expect(recipes.map((r: { name: string }) => r.name)).toEqual(['default', 'hise']);
    const roles = (name: string) => recipes.find((r: { name: string }) => r.name === name).roles;
    expect(roles('default').map((r: { role: string }) => r.role)).toEqual(['vocal', 'reverb1', 'reverb2', 'reverb3new', 'doubler', 'robot', 'master']);
    expect(roles('default').every((r: { plugins: Array<{ installed: boolean }> }) => r.plugins.every((p) => p.installed))).toBe(true);
    expect(roles('hise').every((r: { plugins: Array<{ installed: boolean }> }) => r.plugins.every((p) => !p.installed))).toBe(true);
  });
});
