// A worker host: where the pool's renders run. A thread host is a piscina pool inside this
// process; a process host is a supervised child process with its own piscina threads.
import type { MarkedRender } from './crash-marker.js';
import type { Outcome, PoolTask } from './task.js';

/** How a host ended: a signal or exit code, and what the crash marker says was inside a plugin. */
export interface HostExit {
  signal: string | null;
  exitCode: number | null;
  marked: MarkedRender[];
}

/** The host died (crashed or was killed) while the task was in flight. */
export class HostDied extends Error {
  constructor(readonly exit: HostExit) {
    super(`The worker ended (${exit.signal ?? `exit code ${exit.exitCode}`})`);
  }
}

/** What a mix reports as each of its stages starts (see `MixOptions.onProgress`). */
export type ProgressCallback = (fraction: number, stage: string) => void;

export interface WorkerHost {
  readonly id: number;
  readonly pid: number;
  /** Renders it runs at once (its threads). */
  readonly capacity: number;
  /** Settles when the host has ended, however it ended. */
  readonly exited: Promise<HostExit>;
  /**
   * Resolves with the task's outcome; rejects with {@link HostDied} when the host dies first.
   * `onProgress` hears the task's stages, every one of them before the outcome.
   */
  run(id: number, task: PoolTask, transfer: ArrayBuffer[], onProgress?: ProgressCallback): Promise<Outcome>;
  /** Sets the task's cancel flag: its render stops at the next block with ERR_ABORTED. */
  cancel(id: number): void;
  /** Resident memory of the host's process, in bytes. */
  memoryBytes(): number;
  /** Ends the host once its tasks are done. */
  close(): Promise<void>;
  /** Ends the host now; its tasks reject with {@link HostDied}. */
  kill(): void;
}
