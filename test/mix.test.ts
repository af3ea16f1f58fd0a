// The mix graph, exact with our test plugins: alignment across tracks and buses, gains, pan law,
// lengths, resampling.
import { describe, expect, it } from 'vitest';
import { panGains, renderGraph, type GraphAudio } from '../src/index.js';
import { firstDifference, testBundle } from './helpers.js';

const rate = 44100;
const latency = (samples: number) => ({ plugin: testBundle, className: 'Mixchain Latency', parameters: { Latency: samples } });

/** Clicks of distinct heights at the given positions, stereo. */
function clicks(frames: number, at: number[], height: number): GraphAudio {
  const channel = new Float32Array(frames);
  at.forEach((i, k) => (channel[i] = height + k / 64));
  return { sampleRate: rate, channels: [channel, Float32Array.from(channel, (s) => s / 2)] };
}

describe('renderGraph', () => {
  it('keeps a beat through an empty chain aligned with a vocal through a 480-sample chain', async () => {
    const vocal = clicks(20_000, [1000, 5000, 12_345], 0.5);
    const beat = clicks(20_000, [0, 4410, 8820, 13_230], 0.25);
    const { channels, report } = await renderGraph(
      { tracks: [{ name: 'vocal', audio: vocal, chain: [latency(480)] }, { name: 'beat', audio: beat }] },
      { tail: 0, maxBlockSize: 512 },
    );
    expect(report.tracks[0]!.latencySamples).toBe(480);
    for (let c = 0; c < 2; c++) {
      const expected = vocal.channels[c]!.map((v, i) => Math.fround(v + beat.channels[c]![i]!));
      expect(firstDifference(channels[c]!, expected)).toBe(-1);
    }
  });

  it('applies fader gain and the constant-power pan law exactly', async () => {
    const mono = Float32Array.from({ length: 4096 }, (_, i) => Math.sin(i / 10) * 0.5);
    for (const pan of [-1, -0.5, 0, 0.3, 1]) {
      const { channels } = await renderGraph({ tracks: [{ name: 'v', audio: { sampleRate: rate, channels: [mono] }, gainDb: -6, pan }] }, { tail: 0 });
      const [left, right] = panGains(pan);
      const fader = 10 ** (-6 / 20);
      expect(firstDifference(channels[0]!, mono.map((s) => Math.fround(0 + s * left * fader)))).toBe(-1);
      expect(firstDifference(channels[1]!, mono.map((s) => Math.fround(0 + s * right * fader)))).toBe(-1);
      expect(left ** 2 + right ** 2).toBeCloseTo(2, 12);
    }
    expect(panGains(0)).toEqual([1, 1]);
    expect(panGains(-1)[1]).toBeCloseTo(0, 15);
  });

  it('is as long as the longest track (plus tails), and mutes', async () => {
    const short = clicks(1000, [10], 0.5);
    const long = clicks(30_000, [29_000], 0.25);
    const { channels } = await renderGraph({ tracks: [{ name: 'a', audio: short }, { name: 'b', audio: long }] }, { tail: 0 });
    expect(channels[0]).toHaveLength(30_000);
    expect(channels[0]![10]).toBe(short.channels[0]![10]);
    expect(channels[0]![29_000]).toBe(long.channels[0]![29_000]);
    const muted = await renderGraph({ tracks: [{ name: 'a', audio: short, mute: true }, { name: 'b', audio: long }] }, { tail: 0 });
    expect(muted.channels[0]![10]).toBe(0);
  });

  it('keeps a send bus aligned with the dry signal', async () => {
    const vocal = clicks(20_000, [1000, 7000], 0.5);
    const { channels, report } = await renderGraph(
      {
        tracks: [{ name: 'vocal', audio: vocal, chain: [latency(128)], sends: { fx: 0 } }],
        buses: [{ name: 'fx', chain: [latency(300)] }],
      },
      { tail: 0, maxBlockSize: 256 },
    );
    expect(report.buses).toEqual([{ name: 'fx', latencySamples: 300, outputSeconds: 20_000 / 44100 }]);
    for (let c = 0; c < 2; c++) {
      const expected = vocal.channels[c]!.map((v) => Math.fround(Math.fround(v) + v));
      expect(firstDifference(channels[c]!, expected)).toBe(-1);
    }
  });

  it('resamples every track to the session rate and folds many channels to stereo', async () => {
    const frames = 48000;
    const eight = Array.from({ length: 8 }, () => Float32Array.from({ length: frames }, (_, i) => Math.sin(i / 20) * 0.1));
    const { channels, report } = await renderGraph({ tracks: [{ name: 'x', audio: { sampleRate: 48000, channels: eight } }] }, { tail: 0 });
    expect(channels[0]).toHaveLength(44100);
    expect(report.tracks[0]!.warnings[0]).toMatch(/8 channels folded down to stereo/);
  });

  it('rejects bad graphs with coded errors', async () => {
    const audio = clicks(100, [1], 0.5);
    await expect(renderGraph({ tracks: [] })).rejects.toThrow(expect.objectContaining({ code: 'ERR_MIX_INVALID' }));
    await expect(renderGraph({ tracks: [{ name: 'v', audio, pan: 2 }] })).rejects.toThrow(expect.objectContaining({ code: 'ERR_MIX_INVALID', message: expect.stringMatching(/tracks\.v\.pan/) }));
    await expect(renderGraph({ tracks: [{ name: 'v', audio, sends: { nope: 0 } }] })).rejects.toThrow(expect.objectContaining({ code: 'ERR_MIX_INVALID', message: expect.stringMatching(/nope/) }));
  });
});
