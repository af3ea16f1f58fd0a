// Deliveries (webhooks and forwards) as durable tasks: each attempt's outcome is written before
// the next is planned, so a restart resumes where the last process stopped. This file is the
// contract and the shapes; sqlite-delivery-store.ts keeps tasks in the service's database (one
// process), redis-delivery-store.ts in Redis (several API nodes sharing the tasks). A task that
// was being sent when its process stopped is sent again (at least once; the webhook-id lets
// receivers drop the repeat): put back at the next start (SQLite), or taken by any node once its
// claim's lease runs out (Redis).
import { randomUUID } from 'node:crypto';
import { displayTarget } from './targets.js';

export type DeliveryKind = 'webhook' | 'forward';
export type DeliveryStatus = 'pending' | 'sending' | 'delivered' | 'failed';
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'sending', 'delivered', 'failed'];

export interface DeliveryRecord {
  /** 'dlv_…' for webhooks (also their webhook-id), 'fwd_…' for forwards (the task id). */
  id: string;
  keyId: string;
  jobId: string;
  kind: DeliveryKind;
  /** The URL without credentials or query (no secrets). */
  target: string;
  status: DeliveryStatus;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
  nextAttemptAt: string | null;
  bytes: number | null;
  durationMs: number | null;
}

/** What the dispatcher needs to send a task: the record, the full URL and the stored body. */
export interface DeliveryTask extends DeliveryRecord {
  url: string;
  payload: string | null;
}

export interface NewDelivery {
  keyId: string;
  jobId: string;
  kind: DeliveryKind;
  url: string;
  /** The exact body of a webhook (every attempt sends these bytes); null for a forward. */
  payload: string | null;
  /** Automatic tasks are unique per (job, kind): adding one again returns the existing one. */
  auto: boolean;
  /** When the first attempt is due; default now. */
  dueAt?: Date;
}

/** The outcome of one attempt: delivered, failed for good, or pending again from `nextAttemptAt`. */
export interface AttemptOutcome {
  status: 'pending' | 'delivered' | 'failed';
  statusCode: number | null;
  error: string | null;
  bytes: number | null;
  durationMs: number | null;
  nextAttemptAt: Date | null;
}

/** The target as records show it; text that is no URL is named, not repeated (it may hold a token). */
export function shownTarget(url: string): string {
  try {
    return displayTarget(new URL(url));
  } catch {
    return '(not a URL)';
  }
}

const ID_PREFIX: Record<DeliveryKind, string> = { webhook: 'dlv_', forward: 'fwd_' };

/** A new task's id: 'dlv_…' (a webhook, also its webhook-id) or 'fwd_…' (a forward). */
export const newDeliveryId = (kind: DeliveryKind) => ID_PREFIX[kind] + randomUUID().replaceAll('-', '');

export interface DeliveryStore {
  /** Adds a task; `auto` tasks are unique per (job, kind): adding one again returns the existing one. */
  add(task: NewDelivery): Promise<DeliveryRecord>;
  /** The key's task, or null (also for another key's). */
  get(keyId: string, id: string): Promise<DeliveryRecord | null>;
  /** A job's tasks, oldest first. */
  forJob(keyId: string, jobId: string): Promise<DeliveryRecord[]>;
  /** The key's tasks of one kind, newest first. */
  list(keyId: string, kind: DeliveryKind, limit: number): Promise<DeliveryRecord[]>;
  /** Tasks by status, of one kind and one key when given. */
  counts(kind?: DeliveryKind, keyId?: string): Promise<Record<DeliveryStatus, number>>;
  /** When a job is deleted. A task being sent finishes its attempt and writes nothing. */
  removeForJob(jobId: string): Promise<void>;

  // The dispatcher's side.

  /**
   * Only on a store one process uses (SQLite), which is also the sign of one: tasks left 'sending'
   * by a process that stopped go back to pending, due now (called at start, when this process
   * sends none). A store without it is shared by several nodes: its claims carry a lease instead.
   */
  recover?(now?: Date): Promise<number>;
  /**
   * Up to `limit` due tasks (earliest first), marked 'sending' with their attempt counted. On a
   * shared store a claim holds a task for `leaseMs` of its kind, and also takes 'sending' tasks
   * whose lease ran out (their node died); each task goes to one caller.
   */
  claimDue(now: Date, limit: number, leaseMs: Record<DeliveryKind, number>): Promise<DeliveryTask[]>;
  /** When the next claim can take something (ms since the epoch): the earliest pending task's due time, on a shared store also the earliest lease to run out; null when there is none. */
  nextDueAt(): Promise<number | null>;
  /**
   * Writes the outcome of the attempt `attempt` (the task's `attempts` when claimed). Nothing is
   * written, and false returned, when the task is gone (its job deleted) or was claimed again
   * since (its lease ran out): a later claim's outcome is never overwritten by an earlier one.
   */
  settle(id: string, attempt: number, outcome: AttemptOutcome): Promise<boolean>;
  /** Points a task at another URL (a forward follows the configured endpoint, which may have changed since it was added). */
  retarget(id: string, url: string): Promise<void>;
}

/** Every status at 0: what counts start from. */
export const zeroCounts = () => Object.fromEntries(DELIVERY_STATUSES.map((status) => [status, 0])) as Record<DeliveryStatus, number>;
