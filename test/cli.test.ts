// The mixchain command, run as a user runs it, on every zam plugin and on our test plugins.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { readAudio, writeAudio } from '../src/index.js';
import { firstDifference, root, testBundle, testSignal, zamFolder } from './helpers.js';

const run = promisify(execFile);
const cli = join(root, 'dist', 'cli', 'main.js');
const scratch = mkdtempSync(join(tmpdir(), 'mixchain-cli-'));
const input = join(scratch, 'in.wav');
writeAudio(input, testSignal(44100), 44100, { sampleType: 'float' });

async function mixchain(...args: string[]) {
  return run(process.execPath, [cli, ...args], { maxBuffer: 16 << 20 });
}

const bundles = readdirSync(zamFolder).filter((name) => name.endsWith('.vst3')).sort();

describe('mixchain plugins info', () => {
  for (const bundle of bundles) {
    it(`describes ${bundle}`, async () => {
      const { stdout } = await mixchain('plugins', 'info', bundle.replace('.vst3', ''), '--json');
      const info = JSON.parse(stdout);
      expect(info.plugin.class.name).toBe(bundle.replace('.vst3', ''));
      expect(info.parameters.length).toBeGreaterThanOrEqual(2);
      expect(info.parameters[0]).toHaveProperty('min');
      expect(typeof info.plugin.latencySamples).toBe('number');
    });
  }

  it('prints a readable summary, and picks a class in a multi-class bundle', async () => {
    const { stdout } = await mixchain('plugins', 'info', `${testBundle}:Mixchain Latency`);
    expect(stdout).toMatch(/Mixchain Latency 1\.0\.0/);
    expect(stdout).toMatch(/latency 100 samples/);
    expect(stdout).toMatch(/Latency\s+0 \.\. 8192 samples, default 100/);
  });
});

describe('mixchain render', () => {
  for (const bundle of bundles) {
    it(`renders through ${bundle}`, async () => {
      const output = join(scratch, `${bundle}.flac`);
      const { stdout } = await mixchain('render', input, '-o', output, '--chain', bundle.replace('.vst3', ''), '--tail', '0.2', '--json');
      const report = JSON.parse(stdout);
      expect(report.output.nonFinite).toBe(0);
      expect(report.output.silent).toBe(false);
      expect(report.output.seconds).toBeCloseTo(1.2, 6);
      expect(readAudio(output).channels[0]).toHaveLength(44100 + 8820);
    });
  }

  it('sets parameters by slot name or index, normalized with :n, and compensates latency', async () => {
    const output = join(scratch, 'exact.wav');
    const { stdout } = await mixchain(
      'render', input, '-o', output, '--sample-type', 'float', '--block', '256',
      '--chain', `${testBundle}:Mixchain Latency,${testBundle}:Mixchain Gain`,
      '--set', '0:Latency=1000', '--set', '1:Gain=0.7142857142857143:n', '--json',
    );
    const report = JSON.parse(stdout);
    expect(report.latencyCompensatedSamples).toBe(1000);
    expect(report.blockSize).toBe(256);
    const rendered = readAudio(output).channels;
    const original = readAudio(input).channels;
    for (let c = 0; c < 2; c++) expect(firstDifference(rendered[c]!, original[c]!)).toBe(-1);
  });

  it('fails with a coded message on a bad value', async () => {
    await expect(mixchain('render', input, '-o', join(scratch, 'x.wav'), '--chain', 'ZamCompX2', '--set', 'ZamCompX2:Threshold=20'))
      .rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/ERR_VALUE_OUT_OF_RANGE: Expected a value from -80.* to 0.* dB/) });
  });
});
