// The render-pool worker thread (run by piscina, one task at a time): renders mixes and chains on
// warm chains with the cancel flag of its task, posts a mix's stages to its progress port, charges
// every plugin call of the task to it in the crash marker, and returns audio by transfer.
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { workerData, type MessagePort } from 'node:worker_threads';
import { decodeAudio, writeAudio } from '../audio/audio-file.js';
import { MixchainError } from '../errors.js';
import { binding } from '../native/binding.js';
import type { GraphAudio } from '../mix/graph.js';
import { renderMix, type MixReport } from '../mix/render-mix.js';
import type { ChainReport, ChainTask, Envelope, MixTask, Outcome, PoolResult, StageReport, WarmSpec } from './task.js';
import { WarmChains } from './warm-chains.js';

const warm = new WarmChains((workerData as { maxWarmInstances?: number } | undefined)?.maxWarmInstances ?? 64);

async function mix(task: MixTask, cancel: Int32Array, progress: MessagePort | undefined): Promise<PoolResult<MixReport>> {
  const onProgress = progress ? (fraction: number, stage: string) => progress.postMessage({ fraction, stage } satisfies StageReport) : undefined;
  const { channels, sampleRate, report } = await renderMix(task.recipe, task.inputs, { ...task.options, chains: warm, cancel, onProgress });
  if (task.outputPath === undefined) return { channels, sampleRate, report };
  onProgress?.(0.95, 'encoding');
  writeAudio(task.outputPath, channels, sampleRate, task.output);
  return { sampleRate, report };
}

async function render(task: ChainTask, cancel: Int32Array): Promise<PoolResult<ChainReport>> {
  const started = performance.now();
  const audio: GraphAudio =
    typeof task.input === 'string' ? await decodeAudio(task.input, task.maxSeconds === undefined ? {} : { maxSeconds: task.maxSeconds }) : task.input;
  const slots = task.chain.map((slot) => (typeof slot === 'string' ? { plugin: slot } : slot));
  const chain = await warm.acquire(slots, {
    sampleRate: audio.sampleRate,
    channels: audio.channels.length as 1 | 2,
    ...(task.maxBlockSize === undefined ? {} : { maxBlockSize: task.maxBlockSize }),
    ...(task.searchPaths === undefined ? {} : { searchPaths: task.searchPaths }),
  });
  let failed = true;
  try {
    const result = await chain.renderAsync(audio.channels, { tail: task.tail ?? 0, cancel });
    failed = false;
    const report: ChainReport = {
      latencySamples: result.latencySamples,
      tailFrames: result.tailFrames,
      blocks: result.blocks,
      blockSize: chain.blockSize,
      seconds: result.channels[0]!.length / audio.sampleRate,
      renderSeconds: (performance.now() - started) / 1000,
    };
    if (task.outputPath === undefined) return { channels: result.channels, sampleRate: audio.sampleRate, report };
    writeAudio(task.outputPath, result.channels, audio.sampleRate, task.output);
    return { sampleRate: audio.sampleRate, report };
  } finally {
    await warm.release(chain, failed);
  }
}

/** Creates the chains of each spec by mixing a moment of silence through them. */
async function prepare(specs: WarmSpec[]): Promise<PoolResult<null>> {
  const silence: GraphAudio = { sampleRate: 44100, channels: [new Float32Array(4410)] };
  for (const spec of specs) {
    const { recipe, ...choices } = spec;
    await renderMix(recipe, { vocal: silence, beat: silence }, { ...choices, chains: warm, lufs: 'none' });
  }
  return { sampleRate: 0, report: null };
}

/** The audio of a result moves to the receiving thread instead of being copied. */
function transferred(outcome: Outcome): unknown {
  const channels = outcome.ok ? (outcome.result.channels ?? []) : [];
  if (channels.length === 0) return outcome;
  return move({
    get [transferableSymbol]() {
      return [...new Set(channels.map((c) => c.buffer))];
    },
    get [valueSymbol]() {
      return outcome;
    },
  });
}

export default async function runTask({ id, task, cancel, progress }: Envelope): Promise<unknown> {
  const flag = new Int32Array(cancel);
  let outcome: Outcome;
  binding.setCrashTask(id);
  try {
    const result = task.kind === 'mix' ? await mix(task, flag, progress) : task.kind === 'render' ? await render(task, flag) : await prepare(task.specs);
    outcome = { ok: true, result, warmInstances: warm.instances };
  } catch (error) {
    const code = error instanceof MixchainError ? error.code : 'ERR_RENDER_FAILED';
    outcome = { ok: false, error: { code, message: error instanceof Error ? error.message : String(error) } };
  } finally {
    binding.setCrashTask(0);
  }
  return transferred(outcome);
}
