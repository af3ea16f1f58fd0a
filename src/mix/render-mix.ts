// A finished mix from a recipe: the vocal through the recipe's vocal chain and the chosen
// effects, laid over the beat, through the master bus, to a loudness target.
import { decodeAudio, writeAudio, type WriteAudioOptions } from '../audio/audio-file.js';
import { findBundle } from '../host/bundles.js';
import { MixchainError, invalidArgument } from '../errors.js';
import { normalizeLoudness, resolveTarget } from '../audio/loudness.js';
import { measureLoudness, type Loudness } from '../audio/dsp.js';
import { renderGraph, type ChainSource, type GraphAudio, type GraphReport, type GraphStage, type GraphTrack, type MixGraph } from './graph.js';
import { checkReverbChoice, loadRecipe, roleSlots, type Recipe, type ReverbChoice, type Role } from './recipe.js';

export interface MixInputs {
  /** The vocal: decoded audio or a file path. */
  vocal: GraphAudio | string;
  /** The beat / instrumental. */
  beat?: GraphAudio | string;
  /** Extra vocals (ad-libs, doubles): through the vocal chain like the vocal. */
  extras?: Array<GraphAudio | string>;
}

export interface MixOptions {
  reverb?: ReverbChoice;
  doubler?: boolean;
  robot?: boolean;
  /** Added to the recipe's vocal gain, in dB. */
  vocalGainDb?: number;
  /** Added to the recipe's beat gain, in dB. */
  beatGainDb?: number;
  /** Loudness target in LUFS or a preset (streaming, apple, podcast, broadcast, none). */
  lufs?: number | string;
  ceilingDbtp?: number;
  /** Preview: render only `duration` seconds from `start`, the plugins fed the audio before it. */
  start?: number;
  duration?: number;
  /** How much audio before `start` a preview feeds the plugins. Default 10 s. */
  preRollSeconds?: number;
  /** Session sample rate. Default: the recipe's, else 44100. */
  sampleRate?: number;
  maxBlockSize?: number;
  searchPaths?: string[];
  /** Inputs longer than this are refused before decoding. Default 1 hour. */
  maxSeconds?: number;
  /**
   * Called as each stage starts, with the share of the mix done so far (0…1) and the stage's
   * name: decoding, vocal (the tracks' chains), buses (only with a send bus), master, loudness.
   * {@link renderMixFile} adds encoding, then (1, 'written') once the file is written.
   */
  onProgress?: (fraction: number, stage: string) => void;
  /** Where the chains come from (a render pool keeps them warm). Default: loaded fresh. */
  chains?: ChainSource;
  /** Non-zero stops the mix at the next block or stage with `ERR_ABORTED`. */
  cancel?: Int32Array;
}

export interface MixReport extends Omit<GraphReport, 'stages'> {
  /** Where the time went, in seconds since the mix started, as each stage ended. */
  stages: { decoded: number } & GraphReport['stages'];
  recipe: string;
  choices: { reverb: ReverbChoice; doubler: boolean; robot: boolean };
  /**
   * The "before": the same inputs dry (no plugins, no loudness target) at the same gains, over the
   * same stretch. What a listener compares the mix with, and what a fair comparison matches.
   */
  original: Loudness;
  preview: { start: number; duration: number; preRollSeconds: number } | null;
  realtimeFactor: number;
}

function missingBundles(recipe: Recipe, roles: Role[], searchPaths: string[]): string[] {
  const missing: string[] = [];
  for (const role of roles) {
    for (const plugin of recipe.roles[role]?.plugins ?? []) {
      if (findBundle(plugin.bundle, searchPaths) === null) missing.push(`${plugin.bundle} (role ${role})`);
    }
  }
  return missing;
}

/** The roles a mix with these choices uses, vocal path first. */
function rolesInUse(recipe: Recipe, choices: MixReport['choices']): Role[] {
  const roles: Role[] = ['vocal'];
  if (choices.robot) roles.push('robot');
  if (choices.doubler) roles.push('doubler');
  if (choices.reverb !== 'none') roles.push(choices.reverb);
  if (recipe.roles.master) roles.push('master');
  return roles;
}

/** The share of a mix done as each stage of its graph starts (the tracks' chains take the most). */
const STAGE_FRACTIONS: Record<GraphStage, number> = { buses: 0.6, master: 0.7, loudness: 0.9 };

function throwIfCancelled(cancel: Int32Array | undefined, stage: string): void {
  if (cancel && Atomics.load(cancel, 0) !== 0) throw new MixchainError('ERR_ABORTED', `The mix was aborted after ${stage}`);
}

function requireRole(recipe: Recipe, role: Role, option: string): void {
  if (!recipe.roles[role]) throw invalidArgument(option, `a role recipe ${recipe.source} defines`, role, 'ERR_RECIPE_INVALID');
}

/** The loudness of a mix's tracks dry: the same gains and pans, without chains, sends or buses. */
async function measureDry(graph: MixGraph, sampleRate: number, preview: MixReport['preview'], cancel: Int32Array | undefined): Promise<Loudness> {
  const tracks = graph.tracks.map(({ chain: _chain, sends: _sends, ...track }) => track);
  const { channels } = await renderGraph({ tracks }, { sampleRate, tail: 0, ...(cancel ? { cancel } : {}) });
  if (!preview) return measureLoudness(channels, sampleRate);
  const from = Math.round(preview.preRollSeconds * sampleRate);
  const to = from + Math.round(preview.duration * sampleRate);
  return measureLoudness(channels.map((c) => c.subarray(from, Math.min(to, c.length))), sampleRate);
}

/** [start - preRoll, start + duration) of `audio`, and how much pre-roll it got. */
function segment(audio: GraphAudio, start: number, duration: number, preRoll: number): GraphAudio | null {
  const from = Math.max(0, Math.round((start - preRoll) * audio.sampleRate));
  const to = Math.min(audio.channels[0]!.length, Math.round((start + duration) * audio.sampleRate));
  if (to <= from) return null;
  return { sampleRate: audio.sampleRate, channels: audio.channels.map((c) => c.subarray(from, to)) };
}

/**
 * Renders a mix: decodes the inputs (any format, any rate), runs the vocal (and extras)
 * through the recipe's vocal chain plus the chosen robot, doubler and reverb (as insert or
 * send), the beat at its gain, everything through the master chain, then normalises to the
 * loudness target. Fails up front with `ERR_RECIPE_BUNDLES_MISSING` naming every missing bundle.
 */
export async function renderMix(recipeOrName: Recipe | string, inputs: MixInputs, options: MixOptions = {}) {
  const started = performance.now();
  const recipe = typeof recipeOrName === 'string' ? loadRecipe(recipeOrName) : recipeOrName;
  const progress = options.onProgress ?? (() => {});
  const choices: MixReport['choices'] = {
    reverb: options.reverb !== undefined ? checkReverbChoice(recipe, options.reverb, '--reverb') : (recipe.choices?.reverb ?? 'none'),
    doubler: options.doubler ?? recipe.choices?.doubler ?? false,
    robot: options.robot ?? recipe.choices?.robot ?? false,
  };
  if (choices.doubler) requireRole(recipe, 'doubler', 'doubler');
  if (choices.robot) requireRole(recipe, 'robot', 'robot');
  const searchPaths = options.searchPaths ?? [];
  const roles = rolesInUse(recipe, choices);
  const missing = missingBundles(recipe, roles, searchPaths);
  if (missing.length > 0) {
    throw new MixchainError('ERR_RECIPE_BUNDLES_MISSING', `Recipe ${recipe.source} needs plugin bundles that are not installed: ${missing.join(', ')} (sync them, or add their folder to the search paths)`);
  }

  progress(0, 'decoding');
  const decode = async (input: GraphAudio | string, name: string) => {
    if (typeof input !== 'string') return input;
    try {
      return await decodeAudio(input, options.maxSeconds === undefined ? {} : { maxSeconds: options.maxSeconds });
    } catch (error) {
      if (error instanceof MixchainError) throw new MixchainError(error.code, `The ${name} track: ${error.message}`, { cause: error });
      throw error;
    }
  };
  let vocal = await decode(inputs.vocal, 'vocal');
  let beat = inputs.beat === undefined ? undefined : await decode(inputs.beat, 'beat');
  let extras = await Promise.all((inputs.extras ?? []).map((e, i) => decode(e, `extra ${i + 1}`)));
  const decoded = (performance.now() - started) / 1000;
  throwIfCancelled(options.cancel, 'decoding');

  let preview: MixReport['preview'] = null;
  if (options.start !== undefined || options.duration !== undefined) {
    const start = options.start ?? 0;
    const duration = options.duration;
    if (!(start >= 0)) throw invalidArgument('start', 'a number of seconds >= 0', options.start, 'ERR_MIX_INVALID');
    if (!(duration !== undefined && duration > 0)) throw invalidArgument('duration', 'a number of seconds > 0 with start', duration, 'ERR_MIX_INVALID');
    const preRollSeconds = Math.min(start, options.preRollSeconds ?? 10);
    const vocalPart = segment(vocal, start, duration, preRollSeconds);
    if (!vocalPart) throw invalidArgument('start', `a time inside the vocal (${(vocal.channels[0]!.length / vocal.sampleRate).toFixed(2)} s long)`, start, 'ERR_MIX_INVALID');
    vocal = vocalPart;
    beat = beat && (segment(beat, start, duration, preRollSeconds) ?? undefined);
    extras = extras.flatMap((e) => segment(e, start, duration, preRollSeconds) ?? []);
    preview = { start, duration, preRollSeconds };
  }

  const reverb = choices.reverb === 'none' ? undefined : recipe.roles[choices.reverb];
  const reverbOnSend = reverb?.placement === 'send';
  const vocalChain = [
    ...roleSlots(recipe, 'vocal'),
    ...(choices.robot ? roleSlots(recipe, 'robot') : []),
    ...(choices.doubler ? roleSlots(recipe, 'doubler') : []),
    ...(reverb && !reverbOnSend ? roleSlots(recipe, choices.reverb as Role) : []),
  ];
  const vocalGainDb = (recipe.gains?.vocalDb ?? 0) + (options.vocalGainDb ?? 0);
  const vocalTrack = (name: string, audio: GraphAudio): GraphTrack => ({
    name,
    audio,
    chain: vocalChain,
    gainDb: vocalGainDb,
    ...(reverbOnSend ? { sends: { [choices.reverb]: reverb!.sendDb ?? -10 } } : {}),
  });
  const graph: MixGraph = {
    tracks: [vocalTrack('vocal', vocal), ...extras.map((e, i) => vocalTrack(`extra ${i + 1}`, e))],
    buses: reverbOnSend ? [{ name: choices.reverb, chain: roleSlots(recipe, choices.reverb as Role) }] : [],
    master: roleSlots(recipe, 'master'),
  };
  if (beat) graph.tracks.push({ name: 'beat', audio: beat, gainDb: (recipe.gains?.beatDb ?? 0) + (options.beatGainDb ?? 0) });

  const target = resolveTarget(options.lufs ?? recipe.loudness?.target ?? 'streaming');
  const ceilingDbtp = options.ceilingDbtp ?? recipe.loudness?.ceilingDbtp ?? -1;
  const sampleRate = options.sampleRate ?? recipe.sampleRate ?? 44100;
  const graphStarted = (performance.now() - started) / 1000;
  progress(0.15, 'vocal');
  const loudnessOptions = { target: target ?? 'none', ceilingDbtp } as const;
  const { channels, report } = await renderGraph(graph, {
    sampleRate,
    tail: preview ? 0 : 'auto',
    // A preview is brought to the target over its own section, not over the pre-roll with it.
    ...(preview ? {} : { loudness: loudnessOptions }),
    ...(options.maxBlockSize === undefined ? {} : { maxBlockSize: options.maxBlockSize }),
    searchPaths,
    ...(options.chains ? { chains: options.chains } : {}),
    ...(options.cancel ? { cancel: options.cancel } : {}),
    onStage: (stage) => progress(STAGE_FRACTIONS[stage], stage),
  });

  const original = await measureDry(graph, sampleRate, preview, options.cancel);
  let output = channels;
  if (preview) {
    const from = Math.round(preview.preRollSeconds * sampleRate);
    const to = from + Math.round(preview.duration * sampleRate);
    output = channels.map((c) => c.slice(from, Math.min(to, c.length)));
    report.loudness = normalizeLoudness(output, sampleRate, loudnessOptions);
    report.master = report.loudness.after;
  }
  const renderSeconds = (performance.now() - started) / 1000;
  const seconds = output[0]!.length / sampleRate;
  const mixReport: MixReport = {
    ...report,
    stages: {
      decoded,
      tracks: graphStarted + report.stages.tracks,
      buses: graphStarted + report.stages.buses,
      master: graphStarted + report.stages.master,
      loudness: graphStarted + report.stages.loudness,
    },
    seconds,
    renderSeconds,
    realtimeFactor: seconds / renderSeconds,
    recipe: recipe.name,
    choices,
    original,
    preview,
  };
  return { channels: output, sampleRate, report: mixReport };
}

/** {@link renderMix} from files to a file (format by extension or `output.format`). */
export async function renderMixFile(
  recipe: Recipe | string,
  inputs: { vocal: string; beat?: string; extras?: string[] },
  outputPath: string,
  options: MixOptions & { output?: WriteAudioOptions } = {},
): Promise<MixReport> {
  const { output, ...mixOptions } = options;
  const result = await renderMix(recipe, inputs, mixOptions);
  options.onProgress?.(0.95, 'encoding');
  writeAudio(outputPath, result.channels, result.sampleRate, output);
  options.onProgress?.(1, 'written');
  return result.report;
}
