// What crosses from the pool to its workers and back: plain, cloneable data only (and the port a
// worker thread reports a mix's stages on).
import type { MessagePort } from 'node:worker_threads';
import type { WriteAudioOptions } from '../audio/audio-file.js';
import type { ChainSlot } from '../host/chain.js';
import type { GraphAudio } from '../mix/graph.js';
import type { Recipe, ReverbChoice } from '../mix/recipe.js';
import type { MixInputs, MixOptions, MixReport } from '../mix/render-mix.js';

/** Mix options a worker can receive (no callbacks; the pool supplies chains and cancel). */
export type PoolMixOptions = Omit<MixOptions, 'onProgress' | 'chains' | 'cancel'>;

export interface MixTask {
  kind: 'mix';
  recipe: Recipe | string;
  inputs: MixInputs;
  options: PoolMixOptions;
  /** Written by the worker itself; the result then carries no audio. */
  outputPath?: string;
  output?: WriteAudioOptions;
}

export interface ChainTask {
  kind: 'render';
  chain: Array<string | ChainSlot>;
  /** Decoded audio (mono or stereo) or a file the worker decodes. */
  input: GraphAudio | string;
  tail?: number | 'auto';
  maxBlockSize?: number;
  searchPaths?: string[];
  maxSeconds?: number;
  outputPath?: string;
  output?: WriteAudioOptions;
}

/** A recipe (and choices) whose chains a worker creates before its first request. */
export interface WarmSpec {
  recipe: Recipe | string;
  reverb?: ReverbChoice;
  doubler?: boolean;
  robot?: boolean;
  sampleRate?: number;
}

export interface WarmTask {
  kind: 'warm';
  specs: WarmSpec[];
}

export type PoolTask = MixTask | ChainTask | WarmTask;

/** A task as a worker thread receives it: its id (the crash-marker tag), its cancel flag, and where its stages go. */
export interface Envelope {
  id: number;
  task: PoolTask;
  cancel: SharedArrayBuffer;
  /** Takes a {@link StageReport} as each stage of a mix starts; absent when nobody listens. */
  progress?: MessagePort;
}

/** A stage of a mix has started (see `MixOptions.onProgress`). */
export interface StageReport {
  fraction: number;
  stage: string;
}

export interface ChainReport {
  latencySamples: number;
  tailFrames: number;
  blocks: number;
  blockSize: number;
  seconds: number;
  renderSeconds: number;
}

export interface PoolResult<Report> {
  /** The rendered audio; absent when the worker wrote it to `outputPath`. */
  channels?: Float32Array[];
  sampleRate: number;
  report: Report;
}

export type Outcome =
  | { ok: true; result: PoolResult<MixReport | ChainReport | null>; warmInstances: number }
  | { ok: false; error: { code: string; message: string } };
