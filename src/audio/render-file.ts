import { readAudio, writeAudio, type WriteAudioOptions } from './audio-file.js';
import { Chain, type ChainSlot, type RenderOptions } from '../host/chain.js';
import { invalidArgument } from '../errors.js';
import type { PluginOptions } from '../host/plugin.js';

export interface RenderFileOptions extends Omit<PluginOptions, 'sampleRate' | 'channels'>, Pick<RenderOptions, 'tail'> {
  /** Render mono files as stereo (the left channel on both sides). Default false. */
  stereo?: boolean;
  output?: WriteAudioOptions;
}

export interface RenderReport {
  input: { path: string; seconds: number; channels: number; sampleRate: number; peak: number };
  output: { path: string; seconds: number; channels: number; peak: number; nonFinite: number; silent: boolean };
  chain: Array<{ plugin: string; latencySamples: number; layout: string }>;
  blockSize: number;
  latencyCompensatedSamples: number;
  tailSeconds: number;
  renderSeconds: number;
  realtimeFactor: number;
}

function peakOf(channels: Float32Array[]): { peak: number; nonFinite: number } {
  let peak = 0;
  let nonFinite = 0;
  for (const channel of channels) {
    for (const sample of channel) {
      if (!Number.isFinite(sample)) nonFinite++;
      else if (Math.abs(sample) > peak) peak = Math.abs(sample);
    }
  }
  return { peak, nonFinite };
}

/**
 * Reads `inputPath`, renders it through the chain of `slots` at the file's own sample rate,
 * writes `outputPath`, and reports what happened.
 */
export async function renderFile(
  inputPath: string,
  outputPath: string,
  slots: Array<string | ChainSlot>,
  options: RenderFileOptions = {},
): Promise<RenderReport> {
  const audio = readAudio(inputPath);
  let channels = audio.channels;
  if (channels.length > 2) {
    throw invalidArgument(`the channels of '${inputPath}'`, 'mono or stereo audio', `${channels.length} channels`, 'ERR_CHANNELS');
  }
  if (options.stereo && channels.length === 1) channels = [channels[0]!, Float32Array.from(channels[0]!)];
  const frames = channels[0]?.length ?? 0;
  if (frames === 0) throw invalidArgument(`'${inputPath}'`, 'audio of at least one frame', 'an empty file', 'ERR_EMPTY_INPUT');

  const { stereo: _stereo, output, tail, ...pluginOptions } = options;
  const chain = await Chain.load(slots, { ...pluginOptions, sampleRate: audio.sampleRate, channels: channels.length as 1 | 2 });
  try {
    const result = await chain.renderAsync(channels, { tail: tail ?? 0 });
    writeAudio(outputPath, result.channels, audio.sampleRate, output);
    const rendered = peakOf(result.channels);
    const outputSeconds = result.channels[0]!.length / audio.sampleRate;
    return {
      input: { path: inputPath, seconds: frames / audio.sampleRate, channels: audio.channels.length, sampleRate: audio.sampleRate, peak: peakOf(channels).peak },
      output: {
        path: outputPath,
        seconds: outputSeconds,
        channels: result.channels.length,
        peak: rendered.peak,
        nonFinite: rendered.nonFinite,
        silent: rendered.peak === 0,
      },
      chain: chain.plugins.map((p) => ({ plugin: p.name, latencySamples: p.latencySamples, layout: p.info.layout })),
      blockSize: chain.blockSize,
      latencyCompensatedSamples: result.latencySamples,
      tailSeconds: result.tailFrames / audio.sampleRate,
      renderSeconds: result.wallSeconds,
      realtimeFactor: outputSeconds / result.wallSeconds,
    };
  } finally {
    await chain.closeAsync();
  }
}
