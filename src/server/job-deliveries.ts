// What follows a finished job: its webhook (the job's own URL, else its key's default) on every
// end, and its forward to the processing server when it completed and forwarding is automatic or
// asked for. A watermark (the finish time of the last job handled) lets a restart catch up on
// jobs that ended while no process was following; adding an automatic delivery twice returns the
// first, so catching up never sends one twice, nor do several nodes hearing the same job.
import type { DeliveryDispatcher } from '../delivery/dispatcher.js';
import type { KeyWebhooks } from '../delivery/key-webhooks.js';
import { FINISHED_STATUSES, type JobQueue, type JobRecord } from '../jobs/queue.js';
import type { Watermarks } from '../storage/watermarks.js';
import type { ForwardConfig } from './config.js';
import type { Log } from '../log.js';

export interface JobDeliveryDeps {
  watermarks: Watermarks;
  queue: JobQueue;
  dispatcher: DeliveryDispatcher;
  webhooks: KeyWebhooks;
  forward: ForwardConfig | null;
  /** The job as the API shows it: the webhook's `data`. */
  describe: (job: JobRecord) => Promise<unknown>;
  log: Log;
}

const WATERMARK = 'job_deliveries';

export class JobDeliveries {
  private unsubscribe: (() => void) | null = null;
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly deps: JobDeliveryDeps) {}

  /** Catches up on jobs finished since the last process stopped following, then follows new ones. */
  async start(): Promise<void> {
    const { watermarks, queue } = this.deps;
    const startedAt = new Date();
    const kept = await watermarks.get(WATERMARK);
    // A first start catches up from now: jobs that ended before deliveries existed get none (those
    // ending while it reads the watermark, before it listens, are caught up below).
    if (kept === null) await watermarks.advance(WATERMARK, startedAt.toISOString());
    this.unsubscribe = queue.subscribe((event) => {
      if (event.type !== 'progress') this.enqueue(() => this.handle(event.jobId));
    });
    for (const job of await queue.finishedSince(kept === null ? startedAt : new Date(kept))) this.enqueue(() => this.follow(job));
    await this.chain;
  }

  /** Waits for what was heard so far to be handed to the dispatcher. */
  async idle(): Promise<void> {
    await this.chain;
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  // One job at a time, in the order heard, so the watermark only moves forward.
  private enqueue(work: () => Promise<void>): void {
    this.chain = this.chain.then(work).catch((error: unknown) => this.deps.log('error', 'queueing the deliveries of a job failed', { err: error }));
  }

  private async handle(jobId: string): Promise<void> {
    const job = await this.deps.queue.find(jobId);
    if (job && FINISHED_STATUSES.includes(job.status)) await this.follow(job);
  }

  private async follow(job: JobRecord): Promise<void> {
    const { dispatcher, webhooks, forward } = this.deps;
    const url = job.input.webhookUrl ?? (await webhooks.defaultUrl(job.keyId));
    if (url) {
      const payload = { type: `job.${job.status}`, timestamp: new Date().toISOString(), data: await this.deps.describe(job) };
      await dispatcher.enqueueWebhook(job.keyId, job.id, url, payload);
    }
    if (job.status === 'completed' && forward && (forward.auto || job.input.forward)) await dispatcher.enqueueForward(job.keyId, job.id, true);
    if (job.finishedAt) await this.deps.watermarks.advance(WATERMARK, job.finishedAt);
  }
}
