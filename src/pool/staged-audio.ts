// Audio across the process boundary of a process worker: written once to a file in the pool's
// private folder (in memory on Linux: /dev/shm) and read back as one buffer, instead of being
// serialised through the IPC pipe in chunks. Small buffers are not worth a file.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { GraphAudio } from '../mix/graph.js';
import type { Outcome, PoolTask } from './task.js';

export interface StagedAudio {
  staged: string;
  sampleRate: number;
  channels: number;
  frames: number;
}

const MIN_STAGED_SAMPLES = 1 << 16;
let counter = 0;

function isAudio(value: unknown): value is GraphAudio {
  return typeof value === 'object' && value !== null && Array.isArray((value as GraphAudio).channels);
}

/** Writes the channels one after the other as raw float32 and describes the file. */
export function stage(folder: string, sampleRate: number, channels: Float32Array[]): StagedAudio {
  const frames = channels[0]?.length ?? 0;
  const path = join(folder, `audio-${process.pid}-${++counter}.f32`);
  const fd = openSync(path, 'w', 0o600);
  try {
    for (const c of channels) writeSync(fd, new Uint8Array(c.buffer, c.byteOffset, c.byteLength));
  } finally {
    closeSync(fd);
  }
  return { staged: path, sampleRate, channels: channels.length, frames };
}

/** Reads staged audio back (one buffer, channels are views of it) and removes the file. */
export function unstage(audio: StagedAudio): GraphAudio {
  const bytes = readFileSync(audio.staged);
  rmSync(audio.staged, { force: true });
  const samples = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  return { sampleRate: audio.sampleRate, channels: Array.from({ length: audio.channels }, (_, c) => samples.subarray(c * audio.frames, (c + 1) * audio.frames)) };
}

export function isStaged(value: unknown): value is StagedAudio {
  return typeof value === 'object' && value !== null && typeof (value as StagedAudio).staged === 'string';
}

/** The task with `convert` applied to each of its inputs. */
function mapInputs(task: PoolTask, convert: <T>(input: T) => T): PoolTask {
  if (task.kind === 'render') return { ...task, input: convert(task.input) };
  if (task.kind === 'mix') {
    const { vocal, beat, extras } = task.inputs;
    return { ...task, inputs: { vocal: convert(vocal), ...(beat === undefined ? {} : { beat: convert(beat) }), ...(extras ? { extras: extras.map(convert) } : {}) } };
  }
  return task;
}

/** The buffers under the task's input audio, to transfer to a worker thread rather than copy. */
export function inputBuffers(task: PoolTask): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  mapInputs(task, (input) => {
    if (isAudio(input)) for (const c of input.channels) buffers.add(c.buffer as ArrayBuffer);
    return input;
  });
  return [...buffers];
}

/** The task with every large input buffer staged in `folder`; the files to remove afterwards. */
export function stageInputs(task: PoolTask, folder: string): { task: PoolTask; files: string[] } {
  const files: string[] = [];
  const staged = mapInputs(task, (input) => {
    if (!isAudio(input) || input.channels.length * (input.channels[0]?.length ?? 0) < MIN_STAGED_SAMPLES) return input;
    const audio = stage(folder, input.sampleRate, input.channels);
    files.push(audio.staged);
    return audio as unknown as typeof input;
  });
  return { task: staged, files };
}

/** The task with every staged input read back. */
export function unstageInputs(task: PoolTask): PoolTask {
  return mapInputs(task, (input) => (isStaged(input) ? (unstage(input) as typeof input) : input));
}

/** An outcome whose audio is large enough, staged in `folder` (its channels then travel apart). */
export function stageOutput(outcome: Outcome, folder: string): { outcome: Outcome; channels?: StagedAudio } {
  if (!outcome.ok || !outcome.result.channels) return { outcome };
  const { channels, ...result } = outcome.result;
  if (channels.length * (channels[0]?.length ?? 0) < MIN_STAGED_SAMPLES) return { outcome };
  return { outcome: { ...outcome, result }, channels: stage(folder, result.sampleRate, channels) };
}

/** The outcome with its staged audio read back. */
export function unstageOutput(outcome: Outcome, channels: StagedAudio | undefined): Outcome {
  if (!channels || !outcome.ok) return outcome;
  return { ...outcome, result: { ...outcome.result, channels: unstage(channels).channels } };
}
