import { binding } from '../native/binding.js';
import type { ClassInfo, NativeParameterInfo, NativePlugin, NativePluginConfig, NativePluginInfo } from '../native/types.js';
import { resolveBundle } from './bundles.js';
import { invalidArgument, native, nativeAsync } from '../errors.js';
import { requireChannels, requireInteger, requireNumber, requireString } from '../validate.js';

/**
 * The block size offline renders use unless told otherwise: the fastest size that keeps every
 * block full (measured in test/bench/RESULTS.md). Convolution reverbs such as ZamVerb cost
 * roughly 1/block, so large blocks pay.
 */
export const DEFAULT_BLOCK_SIZE = 8192;

export interface PluginOptions {
  /** Sample rate in Hz, 8000–384000. Default 44100. */
  sampleRate?: number;
  /** Largest block in frames: a power of two from 32 to 8192. Default {@link DEFAULT_BLOCK_SIZE}. */
  maxBlockSize?: number;
  /** 1 or 2. Mono-only plugins run dual-mono on stereo; stereo-only ones take mono on both sides. Default 2. */
  channels?: 1 | 2;
  /** The audio effect class to load when the bundle holds several (case-insensitive). */
  className?: string;
  /** Tempo the plugin sees, in BPM. Default 120. */
  tempo?: number;
  /** Time signature the plugin sees. Default [4, 4]. */
  timeSignature?: [number, number];
  /** Extra folders to look for a plugin given by name. */
  searchPaths?: string[];
}

export type ParameterInfo = NativeParameterInfo;
export type PluginInfo = NativePluginInfo;
export type { ClassInfo };

export interface ParameterValue {
  /** 0…1, what VST3 stores. */
  normalized: number;
  /** In the plugin's plain units (for JUCE plugins the same as normalized). */
  plain: number;
  /** As the plugin displays it, e.g. "-20.0 dB". */
  text: string;
}

/**
 * A value as the plugin displays it: a number (`-20` for a threshold shown in dB, `30` for a mix
 * shown in %), or the plugin's own text for a choice (`"studioA"`). With `{ normalized: true }`
 * numbers are taken as 0…1 instead.
 */
export type ParameterInput = number | string;

export interface SetParameterOptions {
  normalized?: boolean;
}

export interface AutomationPoint {
  /** Position in samples from the start of the render (or the last reset). */
  sample: number;
  /** The value from this sample on, as in {@link Plugin.setParameter}. */
  value: ParameterInput;
}

function nativeConfig(bundlePath: string, options: PluginOptions): NativePluginConfig {
  const [numerator, denominator] = options.timeSignature ?? [4, 4];
  const config: NativePluginConfig = {
    bundlePath,
    sampleRate: requireNumber(options.sampleRate ?? 44100, 'sampleRate', 'ERR_INVALID_SAMPLE_RATE'),
    maxBlockSize: requireInteger(options.maxBlockSize ?? DEFAULT_BLOCK_SIZE, 'maxBlockSize', 'ERR_INVALID_BLOCK_SIZE'),
    channels: requireInteger(options.channels ?? 2, 'channels', 'ERR_CHANNELS'),
    tempo: requireNumber(options.tempo ?? 120, 'tempo', 'ERR_INVALID_TEMPO'),
    timeSigNumerator: requireInteger(numerator, 'timeSignature[0]', 'ERR_INVALID_TEMPO'),
    timeSigDenominator: requireInteger(denominator, 'timeSignature[1]', 'ERR_INVALID_TEMPO'),
  };
  if (options.className !== undefined) config.className = requireString(options.className, 'className');
  return config;
}

function bundleFor(nameOrPath: unknown, options: PluginOptions): string {
  return resolveBundle(requireString(nameOrPath, 'plugin'), options.searchPaths ?? []);
}

/**
 * Loads a plugin, ready to process: by bundle path, or by name from the plugin folders.
 * Creation runs on the addon's control thread and never blocks the event loop (a ZamVerb takes
 * about half a second).
 *
 * @example
 * const comp = await loadPlugin('ZamCompX2', { sampleRate: 48000 });
 * comp.setParameter('Threshold', -20);
 */
export async function loadPlugin(nameOrPath: string, options: PluginOptions = {}): Promise<Plugin> {
  const config = nativeConfig(bundleFor(nameOrPath, options), options);
  return new Plugin(await nativeAsync(() => binding.createPluginAsync(config)));
}

/** {@link loadPlugin}, blocking the calling thread: for worker threads. */
export function loadPluginSync(nameOrPath: string, options: PluginOptions = {}): Plugin {
  const config = nativeConfig(bundleFor(nameOrPath, options), options);
  return new Plugin(native(() => binding.createPlugin(config)));
}

/** The classes a bundle offers and its factory's details, without creating a plugin. */
export function scanBundle(nameOrPath: string, searchPaths: string[] = []) {
  const bundlePath = resolveBundle(requireString(nameOrPath, 'plugin'), searchPaths);
  return native(() => binding.scanBundle(bundlePath));
}

/**
 * One VST3 audio effect at a fixed sample rate, block size and channel count, started and
 * ready to process. Use it from one thread at a time; close it (or `await using`) when done.
 */
export class Plugin {
  /** @internal */
  readonly handle: NativePlugin;
  /** What the plugin is: class, vendor, layout, buses. `latencySamples` here is as loaded. */
  readonly info: PluginInfo;

  /** @internal use {@link loadPlugin} */
  constructor(handle: NativePlugin) {
    this.handle = handle;
    this.info = native(() => handle.info());
  }

  get name(): string {
    return this.info.class.name;
  }

  /** Every parameter the controller reports, hidden and read-only ones included (flagged). */
  get parameters(): ParameterInfo[] {
    return native(() => this.handle.parameters());
  }

  /** The latency the plugin reports now, in samples. */
  get latencySamples(): number {
    return native(() => this.handle.latency());
  }

  /** A parameter by id or by title (case-insensitive). Throws `ERR_PARAM_UNKNOWN`. */
  parameter(key: string | number): ParameterInfo {
    if (typeof key !== 'string' && !(typeof key === 'number' && Number.isInteger(key) && key >= 0)) {
      throw invalidArgument('parameter', 'a parameter id or title', key, 'ERR_PARAM_UNKNOWN');
    }
    return native(() => this.handle.findParameter(String(key)));
  }

  getParameter(key: string | number): ParameterValue {
    const { id } = this.parameter(key);
    return native(() => this.handle.getParameter(id));
  }

  /** The normalized (0…1) value `value` stands for, without setting anything. */
  normalize(key: string | number, value: ParameterInput, options: SetParameterOptions = {}): number {
    const parameter = this.parameter(key);
    if (typeof value === 'string') return native(() => this.handle.normalizedFromText(parameter.id, value));
    requireNumber(value, `the value of '${parameter.title}'`, 'ERR_VALUE_OUT_OF_RANGE');
    if (options.normalized) {
      if (value < 0 || value > 1) {
        throw invalidArgument(`'${parameter.title}' (normalized)`, 'a value from 0 to 1', value, 'ERR_VALUE_OUT_OF_RANGE');
      }
      return value;
    }
    return native(() => this.handle.normalizedFromDisplay(parameter.id, value));
  }

  /**
   * Sets a parameter as the plugin displays it (see {@link ParameterInput}). The controller sees
   * it at once; the audio from the next processed block. Hidden and read-only parameters throw
   * `ERR_PARAM_READ_ONLY`; values outside the range throw `ERR_VALUE_OUT_OF_RANGE`.
   */
  setParameter(key: string | number, value: ParameterInput, options: SetParameterOptions = {}): void {
    const { id } = this.parameter(key);
    const normalized = this.normalize(id, value, options);
    native(() => this.handle.setNormalized(id, normalized));
  }

  /** Several parameters at once, by title or id. */
  setParameters(values: Record<string, ParameterInput>, options: SetParameterOptions = {}): void {
    for (const [key, value] of Object.entries(values)) this.setParameter(key, value, options);
  }

  /** The text the plugin shows for a normalized value. */
  textFor(key: string | number, normalized: number): string {
    const { id } = this.parameter(key);
    return native(() => this.handle.textFor(id, requireNumber(normalized, 'normalized')));
  }

  /**
   * Sample-accurate automation for the next renders: each point sets the value from its sample
   * on (positions count from the start of a render). Replaces earlier automation of the same
   * parameter; in a chain, positions are in the chain input's timeline.
   */
  automate(key: string | number, points: AutomationPoint[], options: SetParameterOptions = {}): void {
    const parameter = this.parameter(key);
    if (!Array.isArray(points)) throw invalidArgument('points', 'an array of { sample, value }', points);
    const samples = new Float64Array(points.length);
    const values = new Float64Array(points.length);
    points.forEach((point, i) => {
      samples[i] = requireInteger(point?.sample, `points[${i}].sample`, 'ERR_VALUE_OUT_OF_RANGE');
      values[i] = this.normalize(parameter.id, point.value, options);
    });
    native(() => this.handle.automate(parameter.id, samples, values));
  }

  clearAutomation(): void {
    native(() => this.handle.clearAutomation());
  }

  /** The full state (component + controller) as one opaque, versioned blob. */
  getState(): Uint8Array {
    return native(() => this.handle.getState());
  }

  /** Restores a blob from {@link getState}; `ERR_STATE_CLASS_MISMATCH` for another plugin's. */
  setState(state: Uint8Array): void {
    if (!(state instanceof Uint8Array)) throw invalidArgument('state', 'a Uint8Array from getState()', state, 'ERR_STATE_INVALID');
    native(() => this.handle.setState(state));
  }

  loadPreset(path: string): void {
    const file = requireString(path, 'path');
    native(() => this.handle.loadPreset(file));
  }

  savePreset(path: string): void {
    const file = requireString(path, 'path');
    native(() => this.handle.savePreset(file));
  }

  /** Fresh DSP state (no more ringing), stream position 0; parameters stay as set. */
  reset(): void {
    native(() => this.handle.reset());
  }

  /**
   * Processes `input` into `output` (in place when omitted), in blocks of `maxBlockSize`: the
   * length must be a positive multiple of it. The output is delayed by {@link latencySamples}.
   */
  process(input: Float32Array[], output: Float32Array[] = input): void {
    const channels = this.info.channels;
    native(() => this.handle.process(requireChannels(input, 'input', channels), requireChannels(output, 'output', channels)));
  }

  get closed(): boolean {
    return this.handle.closed();
  }

  /** Releases the plugin now (a busy plugin throws `ERR_BUSY`). */
  close(): void {
    native(() => this.handle.close());
  }

  /** Releases the plugin off the JS thread. */
  async closeAsync(): Promise<void> {
    await nativeAsync(() => this.handle.closeAsync());
  }

  [Symbol.dispose](): void {
    if (!this.closed) this.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.closed) await this.closeAsync();
  }
}

