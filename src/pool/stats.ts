// What RenderPool.stats() reports, and the render-time percentiles behind it.
import type { Isolation } from './options.js';

export interface WorkerStats {
  id: number;
  pid: number;
  ready: boolean;
  /** Taken out of service (recycled, crashed or stopped); finishing what it runs. */
  retiring: boolean;
  running: number;
  renders: number;
  warmInstances: number;
  /** Why warming its recipes failed, if it did (the worker serves anyway, creating chains on demand). */
  warmError: string | null;
  /** Resident memory of its process (in thread isolation, of the whole process). */
  memoryMb: number;
}

export interface PoolStats {
  isolation: Isolation;
  queued: number;
  inFlight: number;
  completed: number;
  /** Failed renders by error code. */
  failed: Record<string, number>;
  /** Workers that ended without being asked to (plugin crashes, kills by the system). */
  crashes: number;
  /** Workers replaced, for any reason. */
  restarts: number;
  /** Workers replaced after recycleAfterRenders or above maxWorkerMemoryMb. */
  recycled: number;
  /** Milliseconds from a worker taking a render to its answer, over the last 1,000 renders. */
  renderMs: { count: number; p50: number; p90: number; p99: number; max: number };
  workers: WorkerStats[];
}

const WINDOW = 1000;

export class RenderTimes {
  private readonly samples: number[] = [];
  private next = 0;

  add(ms: number): void {
    if (this.samples.length < WINDOW) this.samples.push(ms);
    else this.samples[this.next] = ms;
    this.next = (this.next + 1) % WINDOW;
  }

  percentiles(): PoolStats['renderMs'] {
    const sorted = [...this.samples].sort((a, b) => a - b);
    const at = (q: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
    return { count: sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1) };
  }
}
