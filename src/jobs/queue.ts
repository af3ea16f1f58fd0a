// The job queue as an interface: the API side submits, reads, lists, cancels and follows jobs;
// the runner side claims them, reports progress and ends them. The embedded implementation is
// SQLite (sqlite-queue.ts); a distributed one (Redis) implements the same contract. Every call
// that names a job for a caller takes the caller's key id and answers null for another key's job.

export type JobStatus = 'queued' | 'processing' | 'completed' | 'failed' | 'cancelled';
export const JOB_STATUSES: readonly JobStatus[] = ['queued', 'processing', 'completed', 'failed', 'cancelled'];
export const FINISHED_STATUSES: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];

/** What a job renders: upload ids and the mix options, as the API validated them. */
export interface JobInput {
  vocal: string;
  beat: string | null;
  extras: string[];
  options: Record<string, unknown>;
  webhookUrl: string | null;
  forward: boolean;
}

/** Where a job's result is stored. */
export interface JobResult {
  /** The storage key, e.g. `mixes/<job id>.wav`. */
  key: string;
  format: string;
  size: number;
}

export interface JobError {
  code: string;
  message: string;
}

export interface JobRecord {
  id: string;
  keyId: string;
  status: JobStatus;
  /** 0…100, never decreasing within an attempt. */
  progress: number;
  stage: string | null;
  /** Runs started so far (a job put back after its process died runs again). */
  attempts: number;
  /** Runs that ended because the process running them died. */
  interruptions: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  input: JobInput;
  report: unknown;
  result: JobResult | null;
  error: JobError | null;
  cancelRequested: boolean;
}

export type JobEventType = 'progress' | 'completed' | 'failed' | 'cancelled';

/** One entry of a job's event log, which SSE streams replay from any id. */
export interface JobEvent {
  /** Increasing across all events of the queue; a stream resumes after the last id it saw. */
  id: number;
  jobId: string;
  type: JobEventType;
  attempt: number;
  progress: number;
  stage: string | null;
}

export interface SubmitOptions {
  /** With `fingerprint`: the same key within 24 h returns the first job; another fingerprint is ERR_IDEMPOTENCY_MISMATCH. */
  idempotencyKey?: string;
  fingerprint?: string;
}

export interface ListQuery {
  status?: JobStatus;
  limit: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

export interface QueueCounts {
  queued: number;
  processing: number;
  completed: number;
  failed: number;
  cancelled: number;
}

export interface JobQueue {
  // --- the API side ---------------------------------------------------------------------------
  /** Queues a job; `created` is false when an idempotency key returned an earlier job. */
  submit(keyId: string, input: JobInput, options?: SubmitOptions): Promise<{ job: JobRecord; created: boolean }>;
  /** A job already rendered (a synchronous mix kept as a job): completed at once. */
  recordCompleted(keyId: string, input: JobInput, report: unknown, result: (id: string) => Promise<JobResult>): Promise<JobRecord>;
  get(keyId: string, id: string): Promise<JobRecord | null>;
  /** The key's jobs, newest first. */
  list(keyId: string, query: ListQuery): Promise<{ items: JobRecord[]; nextCursor: string | null }>;
  /**
   * Queued: cancelled at once. Processing: `cancelRequested` is set and `onCancelRequest`
   * listeners hear it (the runner stops the render, then calls `cancelled`). Finished: throws
   * ERR_JOB_FINISHED. Null for an unknown job or another key's.
   */
  cancel(keyId: string, id: string): Promise<JobRecord | null>;
  /** Deletes a job and its events; returns what it was (its result file is the caller's to delete). */
  remove(keyId: string, id: string): Promise<JobRecord | null>;
  /** The job's events after `afterId` (0: all), oldest first. Null for an unknown job or another key's. */
  events(keyId: string, id: string, afterId: number): Promise<JobEvent[] | null>;
  /** Hears every new event of every job, as it is recorded. Returns the unsubscribe. */
  subscribe(listener: (event: JobEvent) => void): () => void;
  counts(): Promise<QueueCounts>;

  // --- the service's own side (no key: for what follows jobs, like deliveries) ----------------
  /** Any job by id, whoever owns it. */
  find(id: string): Promise<JobRecord | null>;
  /** Jobs that finished at or after `since`, oldest first (to catch up on what a restart missed). */
  finishedSince(since: Date): Promise<JobRecord[]>;

  // --- the runner side ------------------------------------------------------------------------
  /** Hears that a job was queued (to wake a runner). */
  onQueued(listener: () => void): () => void;
  /** Hears that a processing job was asked to stop. */
  onCancelRequest(listener: (id: string) => void): () => void;
  /** The next queued job, fairly between keys (round-robin), now `processing` with attempts + 1. */
  claim(): Promise<JobRecord | null>;
  /** Records progress (ignored if lower than the current progress of the attempt) and its event. */
  progress(id: string, progress: number, stage: string): Promise<void>;
  complete(id: string, report: unknown, result: JobResult): Promise<JobRecord>;
  fail(id: string, error: JobError): Promise<JobRecord>;
  /** Ends a job whose cancel was requested. */
  cancelled(id: string): Promise<JobRecord>;
  /** Puts a processing job back in the queue untouched (shutdown ran out of grace): it runs on the next start. */
  release(id: string): Promise<void>;
  /**
   * At start: every job left `processing` by a process that died is queued again, or, at its
   * second interruption, failed with ERR_INTERRUPTED.
   */
  recover(): Promise<{ requeued: string[]; failed: string[] }>;
  /** Deletes finished jobs that finished before `before`, with their events; returns them (to delete their files). */
  expire(before: Date): Promise<JobRecord[]>;
  close(): Promise<void>;
}
