// createPool's options, checked and completed with defaults before any worker starts.
import { availableParallelism } from 'node:os';
import { invalidArgument } from '../errors.js';
import type { PluginOutputLine } from '../host/plugin-output.js';
import type { WarmSpec } from './task.js';

export type Isolation = 'process' | 'thread';

/** A line a process worker's plugin printed, with where it came from. */
export interface PluginOutput extends PluginOutputLine {
  /** The worker (its id in `stats().workers`) and its process. */
  worker: number;
  pid: number;
  /** The render the printing call was made for, by its `label` when it was given one; null between renders. */
  render: string | null;
}

export interface PoolOptions {
  /** Workers rendering at once. Default: the number of cores. */
  workers?: number;
  /**
   * `process` (default): each worker is a supervised child process; a plugin that crashes or
   * hangs takes only that worker down. `thread`: piscina threads in this process, faster to
   * start but NOT crash-safe: a segfaulting plugin ends this process, a hung one keeps its thread.
   */
  isolation?: Isolation;
  /** Renders waiting for a worker; past it, new renders fail at once with ERR_POOL_BUSY. Default 64. */
  maxQueue?: number;
  /** A render running longer is stopped (ERR_RENDER_TIMEOUT) and its worker replaced. Default 300000. */
  renderTimeoutMs?: number;
  /** A worker is replaced after this many renders (plugins leak). Default 1000. */
  recycleAfterRenders?: number;
  /** A process worker above this resident memory is replaced after its render. Default 2048. */
  maxWorkerMemoryMb?: number;
  /** Plugin instances a worker keeps warm (least recently used closed first). Default 64. */
  maxWarmInstances?: number;
  /** Recipes (by name, file, or with choices) whose chains each worker creates at start. */
  warm?: Array<string | WarmSpec>;
  /**
   * What plugins print in process workers (ZamVerb's "convolution: samplerate mismatch"), line by
   * line with the plugin, phase and render; for a log. Default: one line each on this process's
   * stderr, never on its stdout.
   */
  onPluginOutput?: (output: PluginOutput) => void;
}

export type ResolvedPoolOptions = Required<Omit<PoolOptions, 'warm'>> & { warm: WarmSpec[] };

function integer(name: string, value: unknown, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (value === Infinity && max === Infinity) return value;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidArgument(name, `an integer from ${min} to ${max === Infinity ? 'Infinity' : max}`, value, 'ERR_POOL_OPTIONS');
  }
  return value;
}

function resolveOutputHook(hook: unknown): (output: PluginOutput) => void {
  if (hook === undefined) return writeToStderr;
  if (typeof hook !== 'function') throw invalidArgument('onPluginOutput', 'a function', hook, 'ERR_POOL_OPTIONS');
  return hook as (output: PluginOutput) => void;
}

function writeToStderr(output: PluginOutput): void {
  const source = output.plugin ? `plugin '${output.plugin}' (${output.phase}${output.render ? `, render ${output.render}` : ''})` : 'worker';
  process.stderr.write(`mixchain worker ${output.worker}: ${source}: ${output.text}\n`);
}

export function resolvePoolOptions(options: PoolOptions = {}): ResolvedPoolOptions {
  if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'an object', options, 'ERR_POOL_OPTIONS');
  const isolation = options.isolation ?? 'process';
  if (isolation !== 'process' && isolation !== 'thread') {
    throw invalidArgument('isolation', "'process' or 'thread'", options.isolation, 'ERR_POOL_OPTIONS');
  }
  const warm = options.warm ?? [];
  if (!Array.isArray(warm)) throw invalidArgument('warm', 'an array of recipe names or { recipe, …choices }', warm, 'ERR_POOL_OPTIONS');
  return {
    workers: integer('workers', options.workers, 1, 64, availableParallelism()),
    isolation,
    maxQueue: integer('maxQueue', options.maxQueue, 0, 1_000_000, 64),
    renderTimeoutMs: integer('renderTimeoutMs', options.renderTimeoutMs, 1, Infinity, 300_000),
    recycleAfterRenders: integer('recycleAfterRenders', options.recycleAfterRenders, 1, Infinity, 1000),
    maxWorkerMemoryMb: integer('maxWorkerMemoryMb', options.maxWorkerMemoryMb, 64, Infinity, 2048),
    maxWarmInstances: integer('maxWarmInstances', options.maxWarmInstances, 0, 100_000, 64),
    onPluginOutput: resolveOutputHook(options.onPluginOutput),
    warm: warm.map((spec, i) => {
      if (typeof spec === 'string') return { recipe: spec };
      if (typeof spec !== 'object' || spec === null || spec.recipe === undefined) {
        throw invalidArgument(`warm[${i}]`, 'a recipe name or { recipe, reverb?, doubler?, robot?, sampleRate? }', spec, 'ERR_POOL_OPTIONS');
      }
      return spec;
    }),
  };
}
