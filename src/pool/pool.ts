// The render pool: a bounded queue in front of warm workers. It hands each render to a free
// worker, answers every render exactly once, and contains what plugins do wrong: a crash fails
// the render that was inside the crashing plugin (ERR_WORKER_CRASHED, naming it) and retries the
// innocent ones once on a fresh worker; a hang is stopped (ERR_RENDER_TIMEOUT) and its worker
// replaced; workers are recycled after N renders or above a memory limit without losing work.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WriteAudioOptions } from '../audio/audio-file.js';
import type { ChainSlot } from '../host/chain.js';
import { MixchainError } from '../errors.js';
import type { GraphAudio } from '../mix/graph.js';
import type { Recipe } from '../mix/recipe.js';
import type { MixReport } from '../mix/render-mix.js';
import type { PluginOutputLine } from '../host/plugin-output.js';
import type { MarkedRender } from './crash-marker.js';
import { HostDied, type HostExit, type ProgressCallback, type WorkerHost } from './host.js';
import { resolvePoolOptions, type PoolOptions, type ResolvedPoolOptions } from './options.js';
import { ProcessHost } from './process-host.js';
import { inputBuffers } from './staged-audio.js';
import { RenderTimes, type PoolStats } from './stats.js';
import type { ChainReport, ChainTask, MixTask, Outcome, PoolMixOptions, PoolResult, PoolTask } from './task.js';
import { ThreadHost } from './thread-host.js';

export interface PoolRenderOptions {
  /** Stops the render: at once while it waits, at the next block once it runs (ERR_ABORTED). */
  signal?: AbortSignal;
  /** The worker writes the result here itself (format by extension); no audio comes back. */
  outputPath?: string;
  output?: WriteAudioOptions;
  /** Names the render in what its plugins print (`onPluginOutput`), e.g. a job id. Default: the pool's number for it. */
  label?: string;
  /**
   * A mix's stages as they start in its worker (see `MixOptions.onProgress`), plus encoding when
   * the worker writes `outputPath`; never after the render's answer. A render retried on a fresh
   * worker reports its stages again.
   */
  onProgress?: (fraction: number, stage: string) => void;
}

export type PoolMixInputs = MixTask['inputs'];
export type PoolChainOptions = Omit<ChainTask, 'kind' | 'chain' | 'input' | 'outputPath' | 'output'> & Omit<PoolRenderOptions, 'onProgress'>;

interface Job {
  id: number;
  task: PoolTask;
  transfer: ArrayBuffer[];
  attempts: number;
  settled: boolean;
  timedOut: boolean;
  resolve: (result: PoolResult<never>) => void;
  reject: (error: MixchainError) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
  onProgress: ProgressCallback | undefined;
  worker: WorkerSlot | null;
  timer: NodeJS.Timeout | undefined;
  startedAt: number;
}

interface WorkerSlot {
  host: WorkerHost;
  running: Set<Job>;
  renders: number;
  ready: boolean;
  retiring: boolean;
  killed: boolean;
  ended: boolean;
  warmInstances: number;
  warmError: string | null;
}

const MAX_ATTEMPTS = 2;
// Labels of the latest renders, for lines their plugins printed that arrive after the answer.
const REMEMBERED_LABELS = 256;

export class RenderPool {
  private readonly options: ResolvedPoolOptions;
  private readonly workers: WorkerSlot[] = [];
  private readonly queue: Job[] = [];
  private readonly folder: string;
  private readonly times = new RenderTimes();
  private readonly failed: Record<string, number> = {};
  private readonly labels = new Map<number, string>();
  private nextId = 1;
  private nextWorkerId = 1;
  private completed = 0;
  private crashes = 0;
  private restarts = 0;
  private recycled = 0;
  private closing: Promise<void> | null = null;
  /** Set when warming crashed a worker: why, and no worker warms again. */
  private warmCrash: string | null = null;
  /** While closing: called whenever a render ends, to notice when none is left. */
  private onIdle: (() => void) | null = null;

  constructor(options: PoolOptions = {}) {
    this.options = resolvePoolOptions(options);
    // Crash markers and staged audio: in memory where the system offers a memory file system.
    this.folder = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'mixchain-pool-'));
    for (let i = 0; i < this.options.workers; i++) this.spawn();
  }

  /** Renders a mix (see `renderMix`) on a warm worker. Buffers given as input are transferred in thread isolation. */
  renderMix(recipe: Recipe | string, inputs: PoolMixInputs, options: PoolMixOptions & PoolRenderOptions = {}): Promise<PoolResult<MixReport>> {
    const { signal, outputPath, output, label, onProgress, ...mixOptions } = options;
    const task: MixTask = { kind: 'mix', recipe, inputs, options: mixOptions, ...(outputPath === undefined ? {} : { outputPath }), ...(output ? { output } : {}) };
    return this.submit(task, signal, label, onProgress);
  }

  /** Renders audio (or a file) through a chain of plugins, at the audio's own rate, on a warm worker. */
  render(chain: Array<string | ChainSlot>, input: GraphAudio | string, options: PoolChainOptions = {}): Promise<PoolResult<ChainReport>> {
    const { signal, outputPath, output, label, ...rest } = options;
    const task: ChainTask = { kind: 'render', chain, input, ...rest, ...(outputPath === undefined ? {} : { outputPath }), ...(output ? { output } : {}) };
    return this.submit(task, signal, label);
  }

  stats(): PoolStats {
    const inFlight = this.workers.reduce((sum, w) => sum + w.running.size, 0);
    return {
      isolation: this.options.isolation,
      queued: this.queue.length,
      inFlight,
      completed: this.completed,
      failed: { ...this.failed },
      crashes: this.crashes,
      restarts: this.restarts,
      recycled: this.recycled,
      renderMs: this.times.percentiles(),
      workers: this.workers.map((w) => ({
        id: w.host.id,
        pid: w.host.pid,
        ready: w.ready,
        retiring: w.retiring,
        running: w.running.size,
        renders: w.renders,
        warmInstances: w.warmInstances,
        warmError: w.warmError,
        memoryMb: w.host.memoryBytes() / 2 ** 20,
      })),
    };
  }

  /**
   * Replaces every worker, e.g. after a plugin sync changed bundles: renders in flight finish on
   * the plugins they have; queued and new renders run on fresh workers that load the new ones.
   */
  reloadPlugins(): void {
    for (const worker of [...this.workers]) {
      if (worker.retiring) continue;
      this.replace(worker);
      if (worker.running.size === 0) void worker.host.close();
    }
  }

  /** Finishes the renders in flight, rejects the queued ones (ERR_POOL_CLOSED), and ends every worker. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const job of this.queue.splice(0)) this.fail(job, 'ERR_POOL_CLOSED', 'The pool closed before this render left the queue');
      await new Promise<void>((resolve) => {
        this.onIdle = () => {
          if (this.workers.some((w) => w.running.size > 0)) return;
          this.onIdle = null;
          resolve();
        };
        this.onIdle();
      });
      await Promise.all(this.workers.filter((w) => !w.killed).map((w) => w.host.close()));
      rmSync(this.folder, { recursive: true, force: true });
    })();
    return this.closing;
  }

  private submit<Report>(task: PoolTask, signal: AbortSignal | undefined, label: string | undefined, onProgress?: ProgressCallback): Promise<PoolResult<Report>> {
    return new Promise((resolve, reject) => {
      if (this.closing) return reject(new MixchainError('ERR_POOL_CLOSED', 'The pool is closed: it takes no more renders'));
      if (signal?.aborted) return reject(new MixchainError('ERR_ABORTED', 'The render was aborted before it was queued'));
      if (!this.freeWorker() && this.queue.length >= this.options.maxQueue) {
        return reject(new MixchainError('ERR_POOL_BUSY', `The pool is busy: ${this.queue.length} renders are queued (maxQueue ${this.options.maxQueue}); retry later`));
      }
      const id = this.nextId++;
      const job: Job = {
        id,
        task,
        // Threads share memory: the input audio moves to the worker instead of being copied.
        transfer: this.options.isolation === 'thread' ? inputBuffers(task) : [],
        attempts: 0,
        settled: false,
        timedOut: false,
        resolve: resolve as Job['resolve'],
        reject,
        signal,
        onAbort: () => this.abort(job),
        onProgress,
        worker: null,
        timer: undefined,
        startedAt: 0,
      };
      signal?.addEventListener('abort', job.onAbort, { once: true });
      this.labels.set(id, label ?? String(id));
      if (this.labels.size > REMEMBERED_LABELS) this.labels.delete(this.labels.keys().next().value!);
      this.queue.push(job);
      this.dispatch();
    });
  }

  private freeWorker(): WorkerSlot | undefined {
    return this.workers.find((w) => w.ready && !w.retiring && w.running.size < w.host.capacity);
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const worker = this.freeWorker();
      if (!worker) return;
      void this.start(worker, this.queue.shift()!);
    }
  }

  private async start(worker: WorkerSlot, job: Job): Promise<void> {
    job.attempts++;
    job.worker = worker;
    job.startedAt = performance.now();
    worker.running.add(job);
    job.timer = setTimeout(() => this.timeout(job), this.options.renderTimeoutMs);
    let outcome: Outcome;
    let died: HostExit | null = null;
    try {
      // A host reports stages only before its outcome, and a job settles only after that.
      outcome = await worker.host.run(job.id, job.task, job.transfer, job.onProgress);
    } catch (error) {
      if (error instanceof HostDied) {
        died = error.exit;
        this.ended(worker);
      }
      // Anything else failed on our side of the worker (e.g. staging the audio): the render fails, the worker stays.
      const message = `The render could not be handed to its worker: ${error instanceof Error ? error.message : String(error)}`;
      outcome = { ok: false, error: { code: 'ERR_WORKER_FAILED', message } };
    } finally {
      clearTimeout(job.timer);
      worker.running.delete(job);
      job.worker = null;
    }
    if (died) {
      this.afterDeath(job, died);
    } else if (outcome.ok) {
      const { result } = outcome;
      worker.warmInstances = outcome.warmInstances;
      this.times.add(performance.now() - job.startedAt);
      this.completed++;
      this.settle(job, () => job.resolve(result as PoolResult<never>));
    } else {
      this.fail(job, outcome.error.code, outcome.error.message);
    }
    worker.renders++;
    if (!worker.retiring) this.maybeRecycle(worker);
    if (worker.retiring && worker.running.size === 0 && !worker.killed) void worker.host.close();
    this.onIdle?.();
    this.dispatch();
  }

  /** A render whose worker died: failed when it caused it (or already ran twice), else retried. */
  private afterDeath(job: Job, exit: HostExit): void {
    const crash = guiltyCall(exit, job.id);
    const inside = crash ? ` inside plugin '${crash.plugin}' (${crash.phase})` : '';
    if (job.timedOut) {
      this.fail(job, 'ERR_RENDER_TIMEOUT', `The render ran past renderTimeoutMs (${this.options.renderTimeoutMs} ms)${inside} and was stopped; its worker was replaced`, crash);
    } else if (crash?.signal) {
      this.fail(job, 'ERR_WORKER_CRASHED', `Plugin '${crash.plugin}' crashed the worker (${crash.signal}) in ${crash.phase} during this render; the worker was replaced and the render not retried`, crash);
    } else if (job.attempts < MAX_ATTEMPTS && !job.settled && !this.closing) {
      this.queue.unshift(job);
    } else {
      const how = exit.signal ?? `exit code ${exit.exitCode}`;
      this.fail(job, 'ERR_WORKER_CRASHED', `The worker ended (${how})${inside} while this render ran, on ${job.attempts === 1 ? 'its only attempt' : `each of its ${job.attempts} attempts`}`);
    }
  }

  private timeout(job: Job): void {
    const worker = job.worker;
    if (!worker) return;
    job.timedOut = true;
    this.replace(worker);
    worker.killed = true;
    worker.host.kill();
  }

  private abort(job: Job): void {
    const queued = this.queue.indexOf(job);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      this.fail(job, 'ERR_ABORTED', 'The render was aborted while it waited in the queue');
    } else if (job.worker) {
      job.worker.host.cancel(job.id);
    }
  }

  private maybeRecycle(worker: WorkerSlot): void {
    if (this.closing) return;
    const tooMany = worker.renders >= this.options.recycleAfterRenders;
    // Threads share the process's memory: only a process worker's own memory can be judged.
    const tooBig = this.options.isolation === 'process' && worker.host.memoryBytes() > this.options.maxWorkerMemoryMb * 2 ** 20;
    if (!tooMany && !tooBig) return;
    this.recycled++;
    this.replace(worker);
  }

  /** Takes the worker out of service (it gets no more work) and starts its successor. */
  private replace(worker: WorkerSlot): void {
    if (worker.retiring) return;
    worker.retiring = true;
    if (this.closing) return;
    this.restarts++;
    this.spawn();
  }

  private spawn(): void {
    const id = this.nextWorkerId++;
    const host =
      this.options.isolation === 'process'
        ? new ProcessHost(id, { threads: 1, maxWarmInstances: this.options.maxWarmInstances, folder: this.folder, onOutput: (line) => this.printed(id, line) })
        : new ThreadHost(id, { threads: 1, maxWarmInstances: this.options.maxWarmInstances });
    const worker: WorkerSlot = { host, running: new Set(), renders: 0, ready: false, retiring: false, killed: false, ended: false, warmInstances: 0, warmError: null };
    this.workers.push(worker);
    void host.exited.then(() => this.onExit(worker));
    void this.warm(worker);
  }

  private async warm(worker: WorkerSlot): Promise<void> {
    if (this.options.warm.length > 0 && this.warmCrash === null) {
      const warmTag = this.nextId++;
      try {
        const outcome = await worker.host.run(warmTag, { kind: 'warm', specs: this.options.warm }, []);
        if (outcome.ok) worker.warmInstances = outcome.warmInstances;
        else worker.warmError = `${outcome.error.code}: ${outcome.error.message}`;
      } catch (error) {
        if (!(error instanceof HostDied)) throw error;
        // A warm recipe crashes its worker: its successors start cold rather than crash in a loop.
        const crash = guiltyCall(error.exit, warmTag);
        const recipes = this.options.warm.map((w) => (typeof w.recipe === 'string' ? w.recipe : w.recipe.name)).join(', ');
        const how = crash?.signal ? `plugin '${crash.plugin}' crashed it (${crash.signal}) in ${crash.phase}` : `it ended (${error.exit.signal ?? `exit code ${error.exit.exitCode}`})`;
        this.warmCrash = `ERR_WORKER_CRASHED: warming ${recipes} ended the worker: ${how}; workers now start cold`;
        this.ended(worker);
        return;
      }
    }
    worker.warmError ??= this.warmCrash;
    worker.ready = true;
    this.dispatch();
  }

  /** The first sign that a worker is gone (its exit, or a render it rejected): it gets no more work. */
  private ended(worker: WorkerSlot): void {
    if (worker.ended) return;
    worker.ended = true;
    if (!worker.retiring && !this.closing) {
      // Nobody asked it to end: a plugin crashed it (or the system killed it).
      this.crashes++;
      this.replace(worker);
    }
    worker.retiring = true;
  }

  private onExit(worker: WorkerSlot): void {
    this.ended(worker);
    this.workers.splice(this.workers.indexOf(worker), 1);
    this.dispatch();
  }

  /** A line a worker's plugin printed, to the output hook with the render it belongs to. */
  private printed(workerId: number, line: PluginOutputLine): void {
    const pid = this.workers.find((w) => w.host.id === workerId)?.host.pid ?? 0;
    this.options.onPluginOutput({ ...line, worker: workerId, pid, render: this.labels.get(line.task) ?? null });
  }

  private fail(job: Job, code: string, message: string, crash?: MarkedRender): void {
    this.settle(job, () => {
      this.failed[code] = (this.failed[code] ?? 0) + 1;
      const details = crash ? { plugin: crash.plugin, phase: crash.phase, signal: crash.signal } : undefined;
      job.reject(new MixchainError(code, message, details ? { details } : undefined));
    });
  }

  private settle(job: Job, answer: () => void): void {
    if (job.settled) return;
    job.settled = true;
    job.signal?.removeEventListener('abort', job.onAbort);
    answer();
  }
}

/** The plugin call a task's threads were inside when their worker died: the crashing one first. */
function guiltyCall(exit: HostExit, tag: number): MarkedRender | undefined {
  const calls = exit.marked.filter((m) => m.tag === tag);
  return calls.find((m) => m.signal !== null) ?? calls[0];
}

/** Starts a render pool (see {@link PoolOptions}); close it when done. */
export function createPool(options: PoolOptions = {}): RenderPool {
  return new RenderPool(options);
}
