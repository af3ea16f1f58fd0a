// What plugins print to stdout and stderr, taken off the process's own outputs and handed to a
// callback line by line with the plugin call it came from. Render-pool workers capture it for
// the pool's log hook; the CLI keeps `--json` on stdout parseable with it.
import { binding } from '../native/binding.js';
import { phaseName, type PluginPhase } from './plugin-phase.js';

export interface PluginOutputLine {
  stream: 'stdout' | 'stderr';
  text: string;
  /** The plugin whose call printed it, by class name (bundle name while loading); null when no plugin was called yet. */
  plugin: string | null;
  phase: PluginPhase | null;
  /** The render-pool task the call was made for (0: none). */
  task: number;
}

export interface PluginOutputCapture {
  /** The process's stdout and stderr as they were before the capture: for the program's own output. */
  stdoutFd: number;
  stderrFd: number;
  /** Ends the capture: descriptors 1 and 2 are the originals again. */
  stop(): void;
}

/**
 * Captures what plugins (and anything else in this process) write to descriptors 1 and 2 until
 * `stop()`. One capture per process (`ERR_CAPTURE_ACTIVE`). Lines come to `onLine` on this thread.
 * Without `onLine`, plugins' lines go to stderr labelled with the plugin and phase, and the
 * program's own lines where they were going, all of it written by the time `stop()` returns.
 */
export function capturePluginOutput(onLine?: (line: PluginOutputLine) => void): PluginOutputCapture {
  if (!onLine) {
    const { stdoutFd, stderrFd } = binding.captureOutput();
    return { stdoutFd, stderrFd, stop: () => binding.stopOutputCapture() };
  }
  const { stdoutFd, stderrFd } = binding.captureOutput((line) =>
    onLine({
      stream: line.stream,
      text: line.text,
      plugin: line.plugin ?? null,
      phase: line.phase === undefined ? null : phaseName(line.phase),
      task: line.task ?? 0,
    }),
  );
  return { stdoutFd, stderrFd, stop: () => binding.stopOutputCapture() };
}
