// A worker host of piscina threads in this process. Not crash-safe: a plugin that segfaults
// takes this whole process down. Killing it terminates its threads; a thread stuck inside a
// plugin's native code cannot be stopped by anyone and stays until the process exits.
import { pathToFileURL } from 'node:url';
import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { compiledModule } from '../package-dir.js';
import type { HostExit, ProgressCallback, WorkerHost } from './host.js';
import { HostDied } from './host.js';
import type { Envelope, Outcome, PoolTask, StageReport } from './task.js';

export interface ThreadHostOptions {
  threads: number;
  maxWarmInstances: number;
}

export class ThreadHost implements WorkerHost {
  readonly pid = process.pid;
  readonly capacity: number;
  readonly exited: Promise<HostExit>;
  private readonly piscina: Piscina;
  private readonly running = new Map<number, { cancel: Int32Array; abort: AbortController }>();
  private killed: HostExit | null = null;
  private markExited!: (exit: HostExit) => void;

  constructor(readonly id: number, options: ThreadHostOptions) {
    this.capacity = options.threads;
    this.exited = new Promise((resolve) => (this.markExited = resolve));
    this.piscina = new Piscina({
      filename: pathToFileURL(compiledModule('pool/render-task.js')).href,
      minThreads: options.threads,
      maxThreads: options.threads,
      idleTimeout: Infinity,
      workerData: { maxWarmInstances: options.maxWarmInstances },
    });
  }

  async run(id: number, task: PoolTask, transfer: ArrayBuffer[], onProgress?: ProgressCallback): Promise<Outcome> {
    if (this.killed) throw new HostDied(this.killed);
    const cancel = new SharedArrayBuffer(4);
    const abort = new AbortController();
    this.running.set(id, { cancel: new Int32Array(cancel), abort });
    const progress = onProgress ? new MessageChannel() : null;
    const report = ({ fraction, stage }: StageReport) => onProgress?.(fraction, stage);
    progress?.port1.on('message', report);
    try {
      const envelope: Envelope = { id, task, cancel, progress: progress?.port2 };
      const outcome = (await this.piscina.run(envelope, { transferList: progress ? [...transfer, progress.port2] : transfer, signal: abort.signal })) as Outcome;
      if (progress) drain(progress.port1, report);
      return outcome;
    } catch (error) {
      if (this.killed) throw new HostDied(this.killed);
      // The worker thread itself failed (not the render, whose errors come back as outcomes).
      return { ok: false, error: { code: 'ERR_WORKER_FAILED', message: `The worker thread failed: ${error instanceof Error ? error.message : String(error)}` } };
    } finally {
      progress?.port1.close();
      this.running.delete(id);
    }
  }

  cancel(id: number): void {
    const task = this.running.get(id);
    if (task) Atomics.store(task.cancel, 0, 1);
  }

  memoryBytes(): number {
    return process.memoryUsage.rss();
  }

  async close(): Promise<void> {
    await this.piscina.close();
    this.markExited({ signal: null, exitCode: 0, marked: [] });
  }

  kill(): void {
    if (this.killed) return;
    this.killed = { signal: 'SIGKILL', exitCode: null, marked: [] };
    for (const task of this.running.values()) task.abort.abort();
    void this.piscina.destroy().finally(() => this.markExited(this.killed!));
  }
}

/**
 * Hands over the stages still queued on the port: the outcome came back on piscina's port, not
 * this one, so stages the task posted before it may not have been delivered yet.
 */
function drain(port: MessagePort, report: (message: StageReport) => void): void {
  for (let left = receiveMessageOnPort(port); left; left = receiveMessageOnPort(port)) report(left.message as StageReport);
}
