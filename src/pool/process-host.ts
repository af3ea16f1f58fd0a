// A worker host in a supervised child process (the crash-safe isolation): the child runs a
// thread host of its own; a plugin that crashes or hangs takes only the child down, and the
// crash marker the child's renders write says which render was inside which plugin.
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { compiledModule } from '../package-dir.js';
import { createCrashMarker, readCrashMarker } from './crash-marker.js';
import { stageInputs, unstageOutput } from './staged-audio.js';
import { HostDied, type HostExit, type ProgressCallback, type WorkerHost } from './host.js';
import type { ChildMessage, ParentMessage } from './process-messages.js';
import type { PluginOutputLine } from '../host/plugin-output.js';
import type { Outcome, PoolTask } from './task.js';

export interface ProcessHostOptions {
  threads: number;
  maxWarmInstances: number;
  /** The pool's private folder: crash markers and staged audio. */
  folder: string;
  /** What the child's plugins printed, line by line. */
  onOutput: (line: PluginOutputLine) => void;
}

// One marker slot per thread that may render in the child: its piscina threads and the
// render threads their mixes start (a few per track).
const MARKER_SLOTS = 256;
const PAGE_BYTES = 4096;

export class ProcessHost implements WorkerHost {
  readonly pid: number;
  readonly capacity: number;
  readonly exited: Promise<HostExit>;
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, { resolve: (outcome: Outcome) => void; reject: (error: Error) => void; onProgress: ProgressCallback | undefined }>();
  private ended: HostExit | null = null;
  private readonly folder: string;

  constructor(readonly id: number, options: ProcessHostOptions) {
    this.capacity = options.threads;
    this.folder = options.folder;
    const marker = join(options.folder, `worker-${id}.marker`);
    createCrashMarker(marker, MARKER_SLOTS);
    this.child = fork(compiledModule('pool/process-child.js'), [], {
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: {
        ...process.env,
        MIXCHAIN_CRASH_MARKER: marker,
        MIXCHAIN_POOL_STAGING: options.folder,
        MIXCHAIN_POOL_THREADS: String(options.threads),
        MIXCHAIN_POOL_WARM_INSTANCES: String(options.maxWarmInstances),
        // Renders start threads of their own; glibc would give each its own malloc arena (up to
        // 8 per core), each keeping freed memory. Two keep a worker's memory flat over time.
        MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2',
      },
    });
    this.pid = this.child.pid ?? 0;
    this.child.on('message', (message: ChildMessage) => {
      if (message.type === 'output') return options.onOutput(message.line);
      // The child sends a task's stages before its result: once that is in, none is left.
      if (message.type === 'progress') return this.pending.get(message.id)?.onProgress?.(message.fraction, message.stage);
      const task = this.pending.get(message.id);
      this.pending.delete(message.id);
      task?.resolve(unstageOutput(message.outcome, message.channels));
    });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (exitCode, signal) => {
        this.ended = { signal, exitCode, marked: readCrashMarker(marker) };
        rmSync(marker, { force: true });
        for (const task of this.pending.values()) task.reject(new HostDied(this.ended));
        this.pending.clear();
        resolve(this.ended);
      });
    });
  }

  async run(id: number, task: PoolTask, _transfer: ArrayBuffer[], onProgress?: ProgressCallback): Promise<Outcome> {
    if (this.ended) throw new HostDied(this.ended);
    const staged = stageInputs(task, this.folder);
    try {
      return await new Promise<Outcome>((resolve, reject) => {
        this.pending.set(id, { resolve, reject, onProgress });
        this.send({ type: 'run', id, task: staged.task });
      });
    } finally {
      // Read (and removed) by the child, unless it died first.
      for (const file of staged.files) rmSync(file, { force: true });
    }
  }

  cancel(id: number): void {
    if (this.pending.has(id)) this.send({ type: 'cancel', id });
  }

  memoryBytes(): number {
    try {
      // statm: total and resident pages.
      const resident = Number(readFileSync(`/proc/${this.pid}/statm`, 'latin1').split(' ')[1]);
      return resident * PAGE_BYTES;
    } catch {
      return 0;
    }
  }

  async close(): Promise<void> {
    this.send({ type: 'close' });
    await this.exited;
  }

  kill(): void {
    if (!this.ended) this.child.kill('SIGKILL');
  }

  private send(message: ParentMessage): void {
    // A child that is already gone reports through 'exit'; nothing to do here.
    if (this.child.connected) this.child.send(message, (error) => error && this.kill());
  }
}
