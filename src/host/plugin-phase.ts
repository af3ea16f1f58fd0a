// The calls a host makes into a plugin, as the crash marker and output capture name them
// (native/host/crash_marker.h numbers them in this order).
export const PLUGIN_PHASES = [
  'unknown',
  'module',
  'factory',
  'create',
  'initialize',
  'connect',
  'setupProcessing',
  'setActive',
  'setState',
  'getState',
  'controller',
  'process',
  'flush',
  'terminate',
] as const;

/** 'process' (audio), 'flush' (a block of silence carrying parameter edits), 'setState', 'create'… */
export type PluginPhase = (typeof PLUGIN_PHASES)[number];

export function phaseName(phase: number): PluginPhase {
  return PLUGIN_PHASES[phase] ?? 'unknown';
}
