// The background sender of deliveries: claims due tasks from the store (up to `concurrency` at a
// time), hands each to the sender of its kind, writes the outcome and plans the next attempt from
// the kind's schedule. One timer waits for the next due task and an enqueue here wakes it. On a
// store one process uses that is all (nothing polls); on a shared store (several nodes) the timer
// also wakes every `pollMs`, for tasks other nodes added or rescheduled, and each claim holds its
// task for a lease (the kind's timeout and a margin) after which another node takes it.
// Stopping abandons what is in flight: the next start sends it again (one process), or another
// node once its lease runs out (shared).
import { MixchainError } from '../errors.js';
import type { Log } from '../log.js';
import { describeError } from '../sync/storage.js';
import { shownTarget, type AttemptOutcome, type DeliveryKind, type DeliveryRecord, type DeliveryStore, type DeliveryTask, type NewDelivery } from './delivery-store.js';
import { sendForward } from './forward.js';
import { sendRequest, type OutboundResponse } from './http-client.js';
import { displayTarget, parseTarget } from './targets.js';
import { sendWebhook } from './webhook.js';

export interface DispatcherOptions {
  /** Targets may be private, loopback or link-local addresses. */
  allowPrivate: boolean;
  /** The wait before each attempt in ms (the first usually 0); its length is the number of attempts. */
  webhookSchedule: number[];
  forwardSchedule: number[];
  /** Each bounds one whole attempt. */
  webhookTimeoutMs: number;
  forwardTimeoutMs: number;
  /** Attempts in flight at once. */
  concurrency: number;
  /**
   * The longest the timer sleeps, so tasks other nodes added or rescheduled are seen. Default: on
   * a shared store (no recover()) SHARED_POLL_MS; on a store one process uses, none (every add
   * goes through this dispatcher and wakes it).
   */
  pollMs?: number;
  /** Shared stores: a claim holds a task for its kind's timeout plus this; default LEASE_MARGIN_MS. */
  leaseMarginMs?: number;
}

export interface ForwardFile {
  path: string;
  filename: string;
  contentType: string;
  /** Sent as form fields before the file (job_id among them; never a secret). */
  metadata: Record<string, string>;
}

export interface DeliverySources {
  /** The webhook secret of a key (signing), or null (then the webhook fails permanently with a clear error). */
  webhookSecret(keyId: string): Promise<string | null>;
  /** The local path of a job's result file and its metadata for a forward, or null when gone. */
  forwardFile(keyId: string, jobId: string): Promise<ForwardFile | null>;
  /** FORWARD_URL + FORWARD_PATH joined; null: not configured. */
  forward: { url: string; apiKey: string | null } | null;
}

/** What a sender needs for one attempt. */
export interface SendContext {
  sources: DeliverySources;
  options: DispatcherOptions;
  signal: AbortSignal;
  /** Records that the task now goes to `url`. */
  retarget(url: string): Promise<void>;
}

export interface ForwardTest {
  reachable: boolean;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
}

const SENDERS: Record<DeliveryKind, (task: DeliveryTask, context: SendContext) => Promise<OutboundResponse>> = { webhook: sendWebhook, forward: sendForward };

// Failures no retry mends: the target or the means to send are wrong, not the receiver's state.
const PERMANENT = new Set(['ERR_TARGET_INVALID', 'ERR_TARGET_PRIVATE', 'ERR_WEBHOOK_NO_SECRET', 'ERR_FORWARD_NOT_CONFIGURED', 'ERR_FORWARD_FILE_GONE']);
// Standard Webhooks: 410 Gone means the receiver wants no more.
const GONE = 410;
const HEALTH_TIMEOUT_MS = 5000;
// setTimeout's longest wait; a later task is looked at again then.
const MAX_TIMER_MS = 2 ** 31 - 1;
/** A shared store's default poll: how late a node may notice a task another node added or rescheduled. */
export const SHARED_POLL_MS = 5000;
/**
 * A shared store's default lease margin beyond the attempt timeout. The timeout bounds the request;
 * the margin covers the rest of an attempt (a forward first gets its file, from the bucket if need
 * be) and writing its outcome. Longer: a dead node's tasks wait longer; shorter: a slow attempt
 * may be sent again by another node meanwhile.
 */
export const LEASE_MARGIN_MS = 60_000;
// After a failed look at the store (Redis away), the next one comes this much later at most.
const RETRY_LOOK_MS = 5000;
// Retries of many tasks against one receiver that came back should not arrive in lockstep.
const JITTER = 0.1;

const isSuccess = (status: number) => status >= 200 && status < 300;

export const forwardNotConfigured = () => new MixchainError('ERR_FORWARD_NOT_CONFIGURED', 'Expected forwarding to be configured (FORWARD_URL) but this server has none');

/** The wait a 429/503 answer asks for (Retry-After in seconds or as a date), at most `cap` ms. */
function retryAfterMs(response: OutboundResponse | null, cap: number): number {
  if (!response || (response.statusCode !== 429 && response.statusCode !== 503)) return 0;
  const value = response.headers['retry-after'];
  if (!value) return 0;
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value) - Date.now();
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), cap) : 0;
}

export class DeliveryDispatcher {
  private readonly inFlight = new Map<string, { abort: AbortController; done: Promise<void> }>();
  private readonly pollMs: number | null;
  private readonly leaseMs: Record<DeliveryKind, number>;
  private timer: NodeJS.Timeout | null = null;
  /** The look at the store under way (one at a time), and whether another was asked for meanwhile. */
  private pumping: Promise<void> | null = null;
  private pumpAgain = false;
  private starting = false;
  private started = false;
  private closed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly store: DeliveryStore,
    private readonly sources: DeliverySources,
    private readonly options: DispatcherOptions,
    private readonly log: Log,
  ) {
    this.pollMs = options.pollMs ?? (store.recover ? null : SHARED_POLL_MS);
    const margin = options.leaseMarginMs ?? LEASE_MARGIN_MS;
    this.leaseMs = { webhook: options.webhookTimeoutMs + margin, forward: options.forwardTimeoutMs + margin };
  }

  /** Puts back the tasks a stopped process was sending (a store one process uses), then sends what is due. */
  async start(): Promise<void> {
    if (this.starting || this.closed) return;
    this.starting = true;
    const recovered = (await this.store.recover?.()) ?? 0;
    if (recovered) this.log('info', 'deliveries interrupted by the last stop are sent again', { recovered });
    this.started = true;
    this.pump();
  }

  /** A job's webhook (one per job): `payload` is serialised once, so every attempt sends the same bytes under the same webhook-id. */
  enqueueWebhook(keyId: string, jobId: string, url: string, payload: object): Promise<DeliveryRecord> {
    return this.enqueue({ keyId, jobId, kind: 'webhook', url, payload: JSON.stringify(payload), auto: true });
  }

  /** A forward of a job's result; automatic ones are one per job, by hand as many as asked. ERR_FORWARD_NOT_CONFIGURED without an endpoint. */
  async enqueueForward(keyId: string, jobId: string, auto: boolean): Promise<DeliveryRecord> {
    if (!this.sources.forward) throw forwardNotConfigured();
    return this.enqueue({ keyId, jobId, kind: 'forward', url: this.sources.forward.url, payload: null, auto });
  }

  /** GET <origin of the forward URL>/health: whether the endpoint answers 2xx. */
  async testForward(): Promise<ForwardTest> {
    const started = performance.now();
    const forward = this.sources.forward;
    try {
      if (!forward) throw forwardNotConfigured();
      const url = new URL('/health', parseTarget(forward.url).origin);
      const response = await sendRequest({
        url,
        method: 'GET',
        headers: forward.apiKey ? { authorization: `Bearer ${forward.apiKey}` } : {},
        timeoutMs: Math.min(HEALTH_TIMEOUT_MS, this.options.forwardTimeoutMs),
        allowPrivate: this.options.allowPrivate,
      });
      const reachable = isSuccess(response.statusCode);
      return { reachable, statusCode: response.statusCode, durationMs: response.durationMs, error: reachable ? null : `Expected a 2xx answer from ${displayTarget(url)} but got HTTP ${response.statusCode}` };
    } catch (error) {
      return { reachable: false, statusCode: null, durationMs: Math.round(performance.now() - started), error: describeError(error) };
    }
  }

  /** Resolves when this dispatcher sends nothing and nothing is due (later retries may still be planned). */
  idle(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.checkIdle();
    });
  }

  /** Stops: attempts in flight are abandoned (left 'sending') and sent again later (see the header). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const running = [...this.inFlight.values()];
    for (const { abort } of running) abort.abort();
    await Promise.all(running.map((r) => r.done));
    await this.pumping;
    this.checkIdle();
  }

  private schedule(kind: DeliveryKind): number[] {
    return kind === 'webhook' ? this.options.webhookSchedule : this.options.forwardSchedule;
  }

  private async enqueue(task: Omit<NewDelivery, 'dueAt'>): Promise<DeliveryRecord> {
    const record = await this.store.add({ ...task, dueAt: new Date(Date.now() + (this.schedule(task.kind)[0] ?? 0)) });
    this.pump();
    return record;
  }

  /** Looks at the store (see look()); asked while a look is under way, one more follows it. */
  private pump(): void {
    if (!this.started || this.closed) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = this.look()
      .catch((error: unknown) => {
        this.log('error', 'looking for due deliveries failed', { error: describeError(error) });
        this.arm(this.pollMs ?? RETRY_LOOK_MS);
      })
      .finally(() => {
        this.pumping = null;
        if (this.pumpAgain) {
          this.pumpAgain = false;
          this.pump();
        } else this.checkIdle();
      });
  }

  /** Starts what is due as far as slots allow, then sets the one timer for the next due task. */
  private async look(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const free = this.options.concurrency - this.inFlight.size;
    if (free > 0) {
      const claimed = await this.store.claimDue(new Date(), free, this.leaseMs);
      // Closed meanwhile: the claimed tasks stay 'sending', as abandoned ones do.
      if (this.closed) return;
      for (const task of claimed) this.run(task);
    }
    // With every slot taken, the end of an attempt pumps again.
    if (this.inFlight.size >= this.options.concurrency) return;
    const next = await this.store.nextDueAt();
    const wait = next === null ? null : Math.max(next - Date.now(), 0);
    if (this.pollMs !== null) this.arm(Math.min(wait ?? this.pollMs, this.pollMs));
    else if (wait !== null) this.arm(wait);
  }

  private arm(ms: number): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.pump(), Math.min(ms, MAX_TIMER_MS));
    this.timer.unref();
  }

  /** Resolves the idle() waiters once nothing is in flight or being looked for and nothing is due. */
  private checkIdle(): void {
    if (this.idleWaiters.length === 0) return;
    const busy = () => !this.closed && (this.inFlight.size > 0 || this.pumping !== null);
    if (busy()) return;
    const release = () => {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    };
    if (this.closed) return release();
    this.store.nextDueAt().then(
      (next) => {
        // A due task is claimed by the next look, which checks again when it ends.
        if (!busy() && (next === null || next > Date.now())) release();
      },
      (error: unknown) => this.log('error', 'looking for due deliveries failed', { error: describeError(error) }),
    );
  }

  private run(task: DeliveryTask): void {
    const abort = new AbortController();
    const entry = {
      abort,
      done: this.attempt(task, abort.signal)
        .catch((error: unknown) => this.log('error', 'recording a delivery attempt failed', { id: task.id, error: describeError(error) }))
        .finally(() => {
          // A task claimed again (its lease ran out while this attempt ran) is the later attempt's entry.
          if (this.inFlight.get(task.id) === entry) this.inFlight.delete(task.id);
          this.pump();
        }),
    };
    this.inFlight.set(task.id, entry);
  }

  private async attempt(task: DeliveryTask, signal: AbortSignal): Promise<void> {
    const started = performance.now();
    const context: SendContext = {
      sources: this.sources,
      options: this.options,
      signal,
      retarget: async (url) => {
        await this.store.retarget(task.id, url);
        task.target = shownTarget(url);
      },
    };
    let response: OutboundResponse | null = null;
    let failure: unknown = null;
    try {
      response = await SENDERS[task.kind](task, context);
    } catch (error) {
      failure = error;
    }
    // Stopped: the task stays 'sending', to be sent again (see the header).
    if (signal.aborted) return;
    const outcome = this.outcome(task, response, failure, Math.round(performance.now() - started));
    const recorded = await this.store.settle(task.id, task.attempts, outcome);
    this.report(task, outcome, recorded);
  }

  private outcome(task: DeliveryTask, response: OutboundResponse | null, failure: unknown, elapsedMs: number): AttemptOutcome {
    const details = failure instanceof MixchainError ? failure.details : undefined;
    const bytes = response?.bytesSent ?? (details?.bytesSent as number | undefined) ?? null;
    const durationMs = response?.durationMs ?? (details?.durationMs as number | undefined) ?? elapsedMs;
    const statusCode = response?.statusCode ?? null;
    if (response && isSuccess(response.statusCode)) return { status: 'delivered', statusCode, error: null, bytes, durationMs, nextAttemptAt: null };
    let error: string;
    let final: boolean;
    if (response) {
      final = response.statusCode === GONE;
      const why = final ? ' (gone: no more attempts)' : response.statusCode >= 300 && response.statusCode < 400 ? ' (redirects are not followed)' : '';
      error = `Expected a 2xx answer but got HTTP ${response.statusCode}${why}`;
    } else {
      final = failure instanceof MixchainError && PERMANENT.has(failure.code);
      error = describeError(failure);
    }
    const schedule = this.schedule(task.kind);
    const wait = final ? undefined : schedule[task.attempts];
    if (wait === undefined) return { status: 'failed', statusCode, error, bytes, durationMs, nextAttemptAt: null };
    const delay = Math.max(wait * (1 + JITTER * Math.random()), retryAfterMs(response, Math.max(...schedule)));
    return { status: 'pending', statusCode, error, bytes, durationMs, nextAttemptAt: new Date(Date.now() + delay) };
  }

  private report(task: DeliveryTask, outcome: AttemptOutcome, recorded: boolean): void {
    const fields = { id: task.id, kind: task.kind, keyId: task.keyId, jobId: task.jobId, target: task.target, attempt: task.attempts, statusCode: outcome.statusCode, durationMs: outcome.durationMs };
    // Its job was deleted meanwhile, or its lease ran out and another node took the task over.
    if (!recorded) this.log('info', `${task.kind} attempt ended after the task was removed or claimed again; its outcome is not recorded`, { ...fields, outcome: outcome.status });
    else if (outcome.status === 'delivered') this.log('info', `${task.kind} delivered`, { ...fields, bytes: outcome.bytes });
    else if (outcome.status === 'pending') this.log('warn', `${task.kind} attempt failed; retrying`, { ...fields, error: outcome.error, nextAttemptAt: outcome.nextAttemptAt?.toISOString() });
    else this.log('error', `${task.kind} failed for good`, { ...fields, error: outcome.error });
  }
}
