// Runs queued jobs on this process's render pool: claims one whenever a worker is free (fairly
// between keys: the queue decides), reports its progress, and ends it completed, failed or
// cancelled. On shutdown it stops claiming, gives running jobs the grace, then aborts what is
// left and puts it back in the queue for the next start.
import { MixchainError } from '../errors.js';
import type { Log } from '../log.js';
import type { JobQueue, JobRecord, JobResult } from './queue.js';

export interface JobContext {
  signal: AbortSignal;
  /** Progress 0…100 of this run and the stage that runs. */
  progress: (progress: number, stage: string) => void;
}

/** Renders one kind of job. */
export type JobHandler = (job: JobRecord, context: JobContext) => Promise<{ report: unknown; result: JobResult }>;

export interface RunnerStats {
  running: number;
  processed: number;
  failed: number;
  lastJobAt: string | null;
}

interface Running {
  controller: AbortController;
  /** Why it is being stopped, if it is. */
  stop: 'cancel' | 'shutdown' | null;
  done: Promise<void>;
}

export class JobRunner {
  private readonly running = new Map<string, Running>();
  private readonly unsubscribe: Array<() => void> = [];
  private stopping = false;
  private pumping = false;
  private again = false;
  private processed = 0;
  private failed = 0;
  private lastJobAt: string | null = null;

  constructor(
    private readonly queue: JobQueue,
    private readonly handler: JobHandler,
    private readonly concurrency: number,
    private readonly log: Log,
  ) {}

  /** Puts back what a dead process left running, then starts taking jobs. */
  async start(): Promise<void> {
    const recovered = await this.queue.recover();
    if (recovered.requeued.length || recovered.failed.length) this.log('warn', 'jobs interrupted by the previous process', recovered);
    this.unsubscribe.push(
      this.queue.onQueued(() => void this.pump()),
      this.queue.onCancelRequest((id) => this.abort(id, 'cancel')),
    );
    await this.pump();
  }

  stats(): RunnerStats {
    return { running: this.running.size, processed: this.processed, failed: this.failed, lastJobAt: this.lastJobAt };
  }

  /** Stops taking jobs; running ones get `graceMs`, then are aborted and queued again. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    for (const off of this.unsubscribe.splice(0)) off();
    const all = () => Promise.all([...this.running.values()].map((r) => r.done));
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'grace over'>((resolve) => (timer = setTimeout(() => resolve('grace over'), graceMs)));
    const outcome = await Promise.race([all(), graceOver]);
    clearTimeout(timer);
    if (outcome === 'grace over') {
      for (const id of this.running.keys()) this.abort(id, 'shutdown');
      await all();
    }
  }

  private abort(id: string, why: 'cancel' | 'shutdown'): void {
    const run = this.running.get(id);
    if (!run || run.stop) return;
    run.stop = why;
    run.controller.abort();
  }

  private async pump(): Promise<void> {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.again = false;
        while (!this.stopping && this.running.size < this.concurrency) {
          const job = await this.queue.claim();
          if (!job) break;
          this.launch(job);
        }
      } while (this.again && !this.stopping);
    } catch (error) {
      this.log('error', 'claiming a job failed', { err: error });
    } finally {
      this.pumping = false;
    }
  }

  private launch(job: JobRecord): void {
    const run: Running = { controller: new AbortController(), stop: null, done: Promise.resolve() };
    this.running.set(job.id, run);
    run.done = this.execute(job, run)
      .catch((error: unknown) => {
        // Ending the run failed: the queue is unreachable, or (distributed) the job was handed to
        // another node while this one was cut off. The queue's own recovery owns it from here.
        this.log('warn', 'could not record the end of a job', { jobId: job.id, err: error });
      })
      .finally(() => {
        this.running.delete(job.id);
        void this.pump();
      });
  }

  private async execute(job: JobRecord, run: Running): Promise<void> {
    const progress = (value: number, stage: string) => {
      this.queue.progress(job.id, value, stage).catch((error: unknown) => this.log('warn', 'recording progress failed', { jobId: job.id, err: error }));
    };
    let rendered: Awaited<ReturnType<JobHandler>>;
    try {
      rendered = await this.handler(job, { signal: run.controller.signal, progress });
    } catch (error) {
      await this.settleFailure(job, run, error);
      return;
    } finally {
      this.lastJobAt = new Date().toISOString();
    }
    // Outside the try: a completion the queue refuses is not a render failure to record.
    await this.queue.complete(job.id, rendered.report, rendered.result);
    this.processed++;
  }

  /** Ends a run whose render threw: cancelled, put back (shutdown), or failed with its code. */
  private async settleFailure(job: JobRecord, run: Running, error: unknown): Promise<void> {
    if (run.stop === 'cancel') await this.queue.cancelled(job.id);
    else if (run.stop === 'shutdown') await this.queue.release(job.id);
    else {
      const code = error instanceof MixchainError ? error.code : 'ERR_RENDER_FAILED';
      const message = error instanceof Error ? error.message : String(error);
      if (!(error instanceof MixchainError)) this.log('error', 'job failed unexpectedly', { jobId: job.id, err: error });
      await this.queue.fail(job.id, { code, message });
      this.failed++;
    }
  }
}
