// Recipes end to end: the default recipe with every choice, the hise recipe's missing bundles,
// malformed recipes, loudness of the result, previews.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRecipe, measureLoudness, parseRecipe, readAudio, renderMix, type AudioData } from '../src/index.js';
import { speakVocal, synthesizeBeat } from '../src/demo/material.js';
import { magnitudeAt, rms } from './helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'mixchain-recipes-'));
let vocal: AudioData;
const beat = { sampleRate: 44100, channels: synthesizeBeat(4) };

beforeAll(async () => {
  const file = join(scratch, 'vocal.wav');
  await speakVocal('One two three, mixing the vocal with the beat.', file);
  vocal = readAudio(file);
});

const coded = (code: string, message?: RegExp) => expect.objectContaining({ code, ...(message ? { message: expect.stringMatching(message) } : {}) });

describe('the default recipe', () => {
  const combinations = ['none', 'reverb1', 'reverb2', 'reverb3new'].flatMap((reverb) =>
    [false, true].flatMap((doubler) => [false, true].map((robot) => ({ reverb, doubler, robot }))));

  it('renders every combination of choices to the loudness target with true peak under the ceiling', async () => {
    for (const choices of combinations) {
      const { channels, sampleRate, report } = await renderMix('default', { vocal, beat }, choices as never);
      const loudness = measureLoudness(channels, sampleRate);
      expect(Math.abs(loudness.integratedLufs - -14), JSON.stringify(choices)).toBeLessThanOrEqual(0.5);
      expect(loudness.truePeakDbtp, JSON.stringify(choices)).toBeLessThanOrEqual(-1);
      expect(report.choices).toEqual(choices);
      expect(report.masterLatencySamples).toBe(480);
    }
  }, 240_000);

  it('each choice measurably changes the vocal', async () => {
    const vocalOnly = (choices: object) => renderMix('default', { vocal }, { lufs: 'none', ...choices });
    const dry = await vocalOnly({ reverb: 'none' });
    const seconds = (r: { channels: Float32Array[]; sampleRate: number }) => r.channels[0]!.length / r.sampleRate;
    const side = (r: { channels: Float32Array[] }) => rms(r.channels[0]!.map((s, i) => s - r.channels[1]![i]!));
    // Reverbs ring past the vocal, each by its own amount.
    const tails = await Promise.all(['reverb1', 'reverb2', 'reverb3new'].map(async (reverb) => seconds(await vocalOnly({ reverb })) - seconds(dry)));
    expect(tails[0]).toBeGreaterThan(0.2);
    expect(tails[1]).toBeGreaterThan(tails[0]! + 0.2);
    expect(tails[2]).toBeGreaterThan(tails[1]! + 0.2);
    // The doubler turns a mono voice into a wide one.
    expect(side(dry)).toBeLessThan(1e-6 * rms(dry.channels[0]!));
    expect(side(await vocalOnly({ reverb: 'none', doubler: true }))).toBeGreaterThan(0.05 * rms(dry.channels[0]!));
    // The robot rings on its pitch (110 Hz as a whole-sample comb: 44100/401 Hz): energy gathers
    // on the harmonics and leaves the space between them.
    const robot = await vocalOnly({ reverb: 'none', robot: true });
    const pitch = 44100 / 401;
    const ring = (r: { channels: Float32Array[]; sampleRate: number }) =>
      [2, 3, 4].reduce((sum, k) => sum + magnitudeAt(r.channels[0]!, k * pitch, r.sampleRate), 0) /
      [2.5, 3.5, 4.5].reduce((sum, k) => sum + magnitudeAt(r.channels[0]!, k * pitch, r.sampleRate), 0);
    expect(ring(robot)).toBeGreaterThan(2 * ring(dry));
  }, 120_000);

  it('renders a preview that sounds like the same stretch of the full mix', async () => {
    const full = await renderMix('default', { vocal, beat }, { lufs: 'none', reverb: 'reverb1' });
    const preview = await renderMix('default', { vocal, beat }, { lufs: 'none', reverb: 'reverb1', start: 1.5, duration: 1 });
    expect(preview.report.preview).toEqual({ start: 1.5, duration: 1, preRollSeconds: 1.5 });
    const segment = full.channels[0]!.subarray(66150, 66150 + 44100);
    expect(preview.channels[0]).toHaveLength(44100);
    const difference = rms(preview.channels[0]!.map((s, i) => s - segment[i]!));
    expect(difference).toBeLessThan(0.01 * rms(segment));
  }, 60_000);

  it('reports the original: the inputs dry at the same gains, over the same stretch', async () => {
    const recipe = loadRecipe('default');
    const tone = { sampleRate: 44100, channels: [Float32Array.from({ length: 4 * 44100 }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 330 * i) / 44100) * (i < 66150 ? 0.05 : i % 44100 < 30000 ? 1 : 0.2))] };
    const gains = { vocalGainDb: -15, beatGainDb: -12 };
    const vocalGain = 10 ** (((recipe.gains?.vocalDb ?? 0) + gains.vocalGainDb) / 20);
    const beatGain = 10 ** (((recipe.gains?.beatDb ?? 0) + gains.beatGainDb) / 20);
    const dry = [0, 1].map((c) => tone.channels[0]!.map((s, i) => s * vocalGain + beat.channels[c]![i]! * beatGain));
    const full = await renderMix(recipe, { vocal: tone, beat }, { reverb: 'reverb2', ...gains });
    const expected = measureLoudness(dry, 44100);
    expect(full.report.original.integratedLufs).toBeCloseTo(expected.integratedLufs, 2);
    expect(full.report.original.truePeakDbtp).toBeCloseTo(expected.truePeakDbtp, 2);
    expect(full.report.original.rangeLu).toBeCloseTo(expected.rangeLu, 1);
    // The mix was made louder than its inputs; the original says by how much.
    expect(full.report.master.integratedLufs - full.report.original.integratedLufs).toBeGreaterThan(3);

    const preview = await renderMix(recipe, { vocal: tone, beat }, { reverb: 'reverb2', ...gains, start: 1.5, duration: 2 });
    const stretch = measureLoudness(dry.map((c) => c.subarray(66150, 66150 + 88200)), 44100);
    expect(preview.report.original.integratedLufs).toBeCloseTo(stretch.integratedLufs, 2);
    expect(preview.report.original.integratedLufs).not.toBeCloseTo(expected.integratedLufs, 1);
    // The gains the tracks were mixed at are in the report, for a client to rebuild the original.
    expect(preview.report.tracks.map((t) => [t.name, t.gainDb])).toEqual([['vocal', (recipe.gains?.vocalDb ?? 0) + gains.vocalGainDb], ['beat', (recipe.gains?.beatDb ?? 0) + gains.beatGainDb]]);
    // A preview reaches the target over its own section (the pre-roll, quieter here, is not
    // part of the measure), and its report's master is what the section measures.
    const section = measureLoudness(preview.channels, preview.sampleRate);
    expect(Math.abs(section.integratedLufs - -14)).toBeLessThanOrEqual(0.2);
    expect(preview.report.master.integratedLufs).toBeCloseTo(section.integratedLufs, 1);
    expect(preview.report.loudness?.after.integratedLufs).toBeCloseTo(section.integratedLufs, 1);
  }, 60_000);
});

describe('recipe errors', () => {
  it('the hise recipe names every missing bundle', async () => {
    await expect(renderMix('hise', { vocal }, { reverb: 'reverb2', doubler: true, robot: true }))
      .rejects.toThrow(coded('ERR_RECIPE_BUNDLES_MISSING', /Project1 \(role vocal\), robot \(role robot\), doubler \(role doubler\), reverb2 \(role reverb2\), master \(role master\)/));
  });

  const base = () => JSON.parse(JSON.stringify({ name: 'x', roles: { vocal: { plugins: [{ bundle: 'ZamCompX2' }] } } }));
  const cases: Array<[string, (r: any) => void, RegExp]> = [
    ['a wrong type', (r) => (r.roles.vocal.plugins[0].bundle = 5), /roles\.vocal\.plugins\[0\]\.bundle: expected a non-empty string but got 5/],
    ['an unknown role', (r) => (r.roles.chorus = { plugins: [{ bundle: 'ZamDelay' }] }), /roles\.chorus: expected one of the fields vocal, reverb1/],
    ['an unknown field', (r) => (r.gains = { vocal: 3 }), /gains\.vocal: expected one of the fields vocalDb, beatDb/],
    ['a parameter value of the wrong type', (r) => (r.roles.vocal.plugins[0].parameters = { Threshold: true }), /parameters\.Threshold: expected a number or text/],
    ['a choice the recipe lacks', (r) => (r.choices = { reverb: 'reverb2' }), /choices\.reverb: expected a reverb role the recipe defines/],
    ['a send on a non-reverb role', (r) => (r.roles.vocal.placement = 'send'), /roles\.vocal\.placement/],
    ['a bad loudness target', (r) => (r.loudness = { target: 'loud' }), /loudness\.target/],
    ['no vocal role', (r) => delete r.roles.vocal, /roles\.vocal: expected the vocal chain/],
  ];
  for (const [name, mutate, message] of cases) {
    it(`rejects ${name}, pointing at the field`, () => {
      const recipe = base();
      mutate(recipe);
      expect(() => parseRecipe(recipe, 'test.json')).toThrow(coded('ERR_RECIPE_INVALID', message));
    });
  }

  it('rejects unknown parameters and out-of-range values when the plugins load, pointing at the field', async () => {
    const unknown = base();
    unknown.roles.vocal.plugins[0].parameters = { Thresh: -20 };
    await expect(renderMix(parseRecipe(unknown, 'test.json'), { vocal })).rejects.toThrow(coded('ERR_PARAM_UNKNOWN', /roles\.vocal\.plugins\[0\]\.parameters\.Thresh: Expected a parameter/));
    const range = base();
    range.roles.vocal.plugins[0].parameters = { Threshold: 20 };
    await expect(renderMix(parseRecipe(range, 'test.json'), { vocal })).rejects.toThrow(coded('ERR_VALUE_OUT_OF_RANGE', /parameters\.Threshold: Expected a value from -80/));
  });

  it('rejects files that are not JSON, and unknown recipe names', () => {
    const file = join(scratch, 'broken.json');
    writeFileSync(file, '{ "name": ');
    expect(() => loadRecipe(file)).toThrow(coded('ERR_RECIPE_INVALID', /not valid JSON/));
    expect(() => loadRecipe('fancy')).toThrow(coded('ERR_RECIPE_NOT_FOUND', /default, hise/));
  });
});
