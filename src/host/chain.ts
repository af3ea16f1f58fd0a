import { binding } from '../native/binding.js';
import type { NativeChain, NativeRenderOptions, NativeRenderResult } from '../native/types.js';
import { MixchainError, invalidArgument, native, nativeAsync } from '../errors.js';
import { loadPlugin, type ParameterInput, type Plugin, type PluginOptions } from './plugin.js';
import { requireChannels } from '../validate.js';

export interface RenderOptions {
  /**
   * What to render past the end of the input: seconds, or `'auto'` (until the output stays below
   * -90 dBFS for 100 ms, at most 30 s; plugins report a tail of 0 even for reverbs). Default 0.
   */
  tail?: number | 'auto';
  /** Stops the render at the next block with `ERR_ABORTED`. */
  signal?: AbortSignal;
  /**
   * A flag another thread may set (an Int32Array, usually over a SharedArrayBuffer): non-zero
   * stops the render at the next block with `ERR_ABORTED`, like `signal`.
   */
  cancel?: Int32Array;
  /**
   * Fail with `ERR_NONFINITE_OUTPUT`, naming the plugin, when one produces NaN or Inf. Default
   * true: such audio never reaches a file.
   */
  rejectNonFinite?: boolean;
}

/** The output of a render: see {@link NativeRenderResult}. */
export type RenderResult = NativeRenderResult;

export interface ChainSlot {
  plugin: string;
  className?: string;
  /** Values as the plugin displays them, by parameter title or id. */
  parameters?: Record<string, ParameterInput>;
  /** Normalized (0…1) values, by parameter title or id. */
  normalizedParameters?: Record<string, number>;
  /** A .vstpreset file, loaded before the parameters are set. */
  preset?: string;
  /** Where the slot was specified (e.g. a recipe field): errors about it start with this. */
  label?: string;
}

/**
 * A serial chain of plugins with the same sample rate, block size and channels. `render` is the
 * offline path (whole buffer in, aligned buffer out, tails, full-size blocks); `process` the
 * streaming one.
 */
export class Chain {
  readonly plugins: readonly Plugin[];
  private readonly handle: NativeChain;

  constructor(plugins: Plugin[]) {
    if (!Array.isArray(plugins) || plugins.length === 0) {
      throw invalidArgument('plugins', 'a non-empty array of plugins', plugins, 'ERR_CHAIN_EMPTY');
    }
    this.plugins = [...plugins];
    this.handle = native(() => new binding.Chain(plugins.map((p) => p.handle)));
  }

  /**
   * Loads every slot (by name or path), sets its parameters or preset, and chains them. A
   * failure closes whatever was loaded.
   */
  static async load(slots: Array<string | ChainSlot>, options: PluginOptions = {}): Promise<Chain> {
    const plugins: Plugin[] = [];
    try {
      for (const slot of slots) {
        const spec: ChainSlot = typeof slot === 'string' ? { plugin: slot } : slot;
        const at = (field: string, step: () => void | Promise<void>) => labelled(spec.label && `${spec.label}${field}`, step);
        const slotOptions = spec.className === undefined ? options : { ...options, className: spec.className };
        await at('', async () => {
          plugins.push(await loadPlugin(spec.plugin, slotOptions));
        });
        const plugin = plugins.at(-1)!;
        if (spec.preset !== undefined) await at('.preset', () => plugin.loadPreset(spec.preset!));
        for (const [key, value] of Object.entries(spec.parameters ?? {})) {
          await at(`.parameters.${key}`, () => plugin.setParameter(key, value));
        }
        for (const [key, value] of Object.entries(spec.normalizedParameters ?? {})) {
          await at(`.normalizedParameters.${key}`, () => plugin.setParameter(key, value, { normalized: true }));
        }
      }
      return new Chain(plugins);
    } catch (error) {
      await Promise.all(plugins.map((p) => p.closeAsync()));
      throw error;
    }
  }

  get channels(): number {
    return this.plugins[0]!.info.channels;
  }

  get sampleRate(): number {
    return this.plugins[0]!.info.sampleRate;
  }

  get blockSize(): number {
    return this.plugins[0]!.info.maxBlockSize;
  }

  /** The total latency in samples; bypassed slots keep theirs as a plain delay. */
  get latencySamples(): number {
    return native(() => this.handle.latency());
  }

  setBypass(slot: number, bypassed: boolean): void {
    native(() => this.handle.setBypass(this.slot(slot), Boolean(bypassed)));
  }

  isBypassed(slot: number): boolean {
    return native(() => this.handle.bypassed(this.slot(slot)));
  }

  reset(): void {
    native(() => this.handle.reset());
  }

  /** Streaming, in place: the length must be a multiple of the block size; output delayed by the latency. */
  process(channels: Float32Array[]): void {
    native(() => this.handle.process(requireChannels(channels, 'channels', this.channels)));
  }

  /** Renders a whole buffer on the calling thread (use it in worker threads). */
  render(input: Float32Array[], options: RenderOptions = {}): RenderResult {
    const { nativeOptions, release } = this.nativeOptions(options);
    try {
      return native(() => this.handle.render(requireChannels(input, 'input', this.channels), nativeOptions));
    } finally {
      release();
    }
  }

  /** Renders on a thread of its own and resolves with the result: the event loop stays free. */
  async renderAsync(input: Float32Array[], options: RenderOptions = {}): Promise<RenderResult> {
    const { nativeOptions, release } = this.nativeOptions(options);
    try {
      return await nativeAsync(() => this.handle.renderAsync(requireChannels(input, 'input', this.channels), nativeOptions));
    } finally {
      release();
    }
  }

  /** Closes every plugin of the chain. */
  close(): void {
    for (const plugin of this.plugins) if (!plugin.closed) plugin.close();
  }

  async closeAsync(): Promise<void> {
    await Promise.all(this.plugins.filter((p) => !p.closed).map((p) => p.closeAsync()));
  }

  private slot(slot: number): number {
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.plugins.length) {
      throw invalidArgument('slot', `a slot from 0 to ${this.plugins.length - 1}`, slot, 'ERR_SLOT_UNKNOWN');
    }
    return slot;
  }

  private nativeOptions(options: RenderOptions): { nativeOptions: NativeRenderOptions; release: () => void } {
    const nativeOptions: NativeRenderOptions = { tail: validTail(options.tail ?? 0) };
    if (options.rejectNonFinite !== undefined) nativeOptions.rejectNonFinite = options.rejectNonFinite;
    if (options.cancel !== undefined) {
      if (!(options.cancel instanceof Int32Array) || options.cancel.length < 1) throw invalidArgument('cancel', 'an Int32Array of at least one element', options.cancel);
      nativeOptions.cancel = options.cancel;
    }
    let release = () => {};
    if (options.signal) {
      // The native loop reads this flag once per block; another thread may set it at any time.
      const cancel = nativeOptions.cancel ?? new Int32Array(new SharedArrayBuffer(4));
      const onAbort = () => Atomics.store(cancel, 0, 1);
      if (options.signal.aborted) onAbort();
      options.signal.addEventListener('abort', onAbort, { once: true });
      nativeOptions.cancel = cancel;
      release = () => options.signal?.removeEventListener('abort', onAbort);
    }
    return { nativeOptions, release };
  }
}

/** Runs `step`, prefixing the message of a MixchainError it throws with `label` (code kept). */
async function labelled(label: string | undefined, step: () => void | Promise<void>): Promise<void> {
  try {
    await step();
  } catch (error) {
    if (label && error instanceof MixchainError) throw new MixchainError(error.code, `${label}: ${error.message}`, { cause: error });
    throw error;
  }
}

function validTail(tail: unknown): number | 'auto' {
  if (tail === 'auto') return tail;
  if (typeof tail === 'number' && Number.isFinite(tail) && tail >= 0 && tail <= 300) return tail;
  throw invalidArgument('tail', "a number of seconds from 0 to 300 or 'auto'", tail, 'ERR_INVALID_TAIL');
}
