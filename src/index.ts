/**
 * mixchain: host VST3 plugin chains in Node.js.
 *
 * - {@link loadPlugin} / {@link loadPluginSync}: one plugin, parameters by name as displayed,
 *   automation, state and presets.
 * - {@link Chain}: plugins in series, rendered offline with latency compensation and tails.
 * - {@link readAudio} / {@link writeAudio}: WAV and FLAC files.
 * - {@link renderMix}: a finished, loudness-targeted mix from a recipe.
 * - {@link createPool}: warm workers rendering in parallel, crash-contained.
 *
 * Errors are {@link MixchainError}s with a stable `code`.
 */
export { loadPlugin, loadPluginSync, scanBundle, Plugin, DEFAULT_BLOCK_SIZE } from './host/plugin.js';
export type {
  PluginOptions,
  PluginInfo,
  ParameterInfo,
  ParameterValue,
  ParameterInput,
  SetParameterOptions,
  AutomationPoint,
  ClassInfo,
} from './host/plugin.js';
export { Chain } from './host/chain.js';
export type { RenderOptions, RenderResult, ChainSlot } from './host/chain.js';
export { readAudio, decodeAudio, writeAudio, DEFAULT_MAX_SECONDS } from './audio/audio-file.js';
export type { AudioData, ReadAudioOptions, WriteAudioOptions } from './audio/audio-file.js';
export { resolveBundle, findBundle, listBundles, pluginFolders } from './host/bundles.js';
export { MixchainError } from './errors.js';
export { liveInstances } from './host/instances.js';
export { capturePluginOutput } from './host/plugin-output.js';
export type { PluginOutputLine, PluginOutputCapture } from './host/plugin-output.js';
export type { PluginPhase } from './host/plugin-phase.js';
export { renderFile } from './audio/render-file.js';
export type { RenderFileOptions, RenderReport } from './audio/render-file.js';
export { measureLoudness, measureLoudnessAsync, resample, resampleAsync } from './audio/dsp.js';
export type { Loudness } from './audio/dsp.js';
export { normalizeLoudness, resolveTarget, LOUDNESS_PRESETS } from './audio/loudness.js';
export type { NormalizeOptions, NormalizeReport, LoudnessPreset } from './audio/loudness.js';
export { renderGraph, panGains, toStereo, DEFAULT_SESSION_RATE } from './mix/graph.js';
export type { MixGraph, GraphTrack, GraphBus, GraphAudio, GraphOptions, GraphReport, TrackReport } from './mix/graph.js';
export { renderMix, renderMixFile } from './mix/render-mix.js';
export type { MixInputs, MixOptions, MixReport } from './mix/render-mix.js';
export { loadRecipe, parseRecipe, builtinRecipes, ROLES, REVERB_ROLES } from './mix/recipe.js';
export type { Recipe, RecipeRole, RecipePlugin, Role, ReverbChoice } from './mix/recipe.js';
export type { ChainSource } from './mix/graph.js';
export { createPool, RenderPool } from './pool/pool.js';
export type { PoolRenderOptions, PoolMixInputs, PoolChainOptions } from './pool/pool.js';
export type { PoolOptions, Isolation, PluginOutput } from './pool/options.js';
export type { PoolStats, WorkerStats } from './pool/stats.js';
export type { WarmSpec, PoolMixOptions, PoolResult, ChainReport } from './pool/task.js';
export { syncBundles, recipeBundles, SyncFailedError } from './sync/sync.js';
export type { SyncOptions, SyncReport, SyncProgress, SyncPhase } from './sync/sync.js';
export { syncConfigFromEnv, publicConfig, DEFAULT_PREFIX, DEFAULT_LOCAL_DIR } from './sync/config.js';
export type { SyncConfig, PublicSyncConfig } from './sync/config.js';
export { localBundles, pluginStatus } from './sync/status.js';
export type { LocalBundle, PluginStatus } from './sync/status.js';
export { DEFAULT_EXTRACT_LIMITS } from './sync/extract.js';
export type { ExtractLimits } from './sync/extract.js';
