// The whole-take mix as a job: submitted once, followed through its events with a progress bar
// and the stage in words. While it is queued or processing its id is kept in the browser's
// storage for the key that made it, so a reload finds it again; once it has ended it is
// forgotten, so the next reload starts clean.
import { apiJson, getKey } from './api.js';
import { followJob } from './events.js';
import { retryPause, sleep } from './retry.js';
import { load, store } from './storage.js';

const JOBS_ITEM = 'mixchain.jobs';
/** Resends of a submission whose outcome is unknown, before giving up. */
const MAX_RESENDS = 3;

const STAGE_WORDS = {
  queued: 'Waiting for a free renderer',
  decoding: 'Decoding the files',
  vocal: 'Processing the vocal',
  buses: 'Mixing',
  master: 'Mastering',
  loudness: 'Matching loudness',
  encoding: 'Encoding',
  storing: 'Saving the result',
};

const STATUS_WORDS = { queued: STAGE_WORDS.queued, processing: 'Starting', completed: 'Completed', failed: 'Failed', cancelled: 'Cancelled' };

export function stageWords(status, stage, attempt = 1) {
  const words = status === 'processing' && stage ? (STAGE_WORDS[stage] ?? stage) : (STATUS_WORDS[status] ?? status);
  return attempt > 1 && status === 'processing' ? `${words} (attempt ${attempt})` : words;
}

export const isRunning = (job) => job.status === 'queued' || job.status === 'processing';

/**
 * A short hash of the key (FNV-1a, 32 bits): enough to tell this browser's keys apart, and the
 * key itself is stored once only (api.js). Computed here rather than with crypto.subtle, which
 * is missing outside a secure context (a LAN address over http).
 */
function keyHash(key) {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(16).padStart(8, '0');
}

/** The running job remembered for each key: { [keyHash]: jobId }. */
function rememberedJobs() {
  try {
    return JSON.parse(load(JOBS_ITEM) ?? '{}') ?? {};
  } catch {
    return {};
  }
}

/** The running job this browser last followed with the current key, or null. */
export const rememberedJob = () => rememberedJobs()[keyHash(getKey())] ?? null;

function rememberJob(id) {
  store(JOBS_ITEM, JSON.stringify({ ...rememberedJobs(), [keyHash(getKey())]: id }));
}

/** Forgets `id` under whichever key it was remembered (it ended, or the server no longer has it). */
export function forgetJob(id) {
  const jobs = rememberedJobs();
  const kept = Object.fromEntries(Object.entries(jobs).filter(([, remembered]) => remembered !== id));
  if (Object.keys(kept).length !== Object.keys(jobs).length) store(JOBS_ITEM, JSON.stringify(kept));
}

function newIdempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  // Outside a secure context (a LAN address over http) randomUUID is missing.
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

export class JobTracker {
  /**
   * `onFinished(job)` once the followed job completes, fails or is cancelled; `onFollowing()`
   * when following starts or stops.
   */
  constructor({ progressBar, stageText, onFinished, onFollowing = () => {} }) {
    this.ui = { progressBar, stageText };
    this.onFinished = onFinished;
    this.onFollowing = onFollowing;
    this.following = null;
    this.jobId = null;
    // Bumped by stop(): a submission still on its way then neither follows nor remembers its job.
    this.generation = 0;
  }

  show(progress, words) {
    this.ui.progressBar.value = Math.max(0, Math.min(100, progress ?? 0));
    // The stage sits in a live region: rewritten only when it changes, so it is not re-announced.
    if (this.ui.stageText.textContent !== words) this.ui.stageText.textContent = words;
  }

  get running() {
    return this.following !== null;
  }

  /**
   * Queues a mix of `body`, `onQueued(job)` once the server took it; resolves to the job once it
   * finished (or null if following stopped meanwhile).
   */
  async submit(body, onQueued = () => {}) {
    const generation = this.generation;
    this.show(0, 'Sending…');
    const job = await this.post(body, generation);
    if (!job || generation !== this.generation) return null;
    onQueued(job);
    return this.follow(job);
  }

  /**
   * POST /jobs. A submission that got no answer (or met the job store away, 503) may or may not
   * have been queued: it is sent again with the same Idempotency-Key, and the server answers
   * with the job it already queued rather than queueing a second one.
   */
  async post(body, generation) {
    const headers = { 'Idempotency-Key': newIdempotencyKey() };
    for (let attempt = 0; ; attempt++) {
      try {
        return await apiJson('/jobs', { method: 'POST', body, headers });
      } catch (error) {
        const unknownOutcome = error?.status === 0 || error?.status === 503;
        if (!unknownOutcome || attempt >= MAX_RESENDS) throw error;
        this.show(0, 'No answer yet: sending again…');
        await sleep(error.retryAfter !== null ? error.retryAfter * 1000 : retryPause(attempt));
        if (generation !== this.generation) return null;
      }
    }
  }

  /** The remembered job: followed if it still runs, else handed on once and forgotten. */
  async resume(id) {
    const generation = this.generation;
    const job = await apiJson(`/jobs/${encodeURIComponent(id)}`);
    if (generation !== this.generation) return null;
    if (isRunning(job)) return this.follow(job);
    forgetJob(job.id);
    this.show(job.status === 'completed' ? 100 : job.progress, stageWords(job.status));
    this.onFinished(job);
    return job;
  }

  /** Follows a queued or processing job (instead of any other) and remembers it until it ends. */
  async follow(job) {
    this.stop();
    const generation = this.generation;
    rememberJob(job.id);
    this.show(job.progress, stageWords(job.status, job.stage, job.attempts));
    const following = new AbortController();
    this.following = following;
    this.jobId = job.id;
    this.onFollowing();
    try {
      const finished = await followJob(job.id, {
        signal: following.signal,
        onProgress: ({ progress, stage, attempt }) => this.show(progress, stageWords(stage === 'queued' ? 'queued' : 'processing', stage, attempt)),
        onReconnecting: () => this.show(this.ui.progressBar.value, `${this.ui.stageText.textContent.replace(/ \(reconnecting…\)$/, '')} (reconnecting…)`),
      });
      forgetJob(finished.id);
      if (generation !== this.generation) return null;
      this.show(finished.status === 'completed' ? 100 : finished.progress, stageWords(finished.status));
      this.onFinished(finished);
      return finished;
    } catch (error) {
      if (error?.name === 'AbortError') return null;
      throw error;
    } finally {
      if (this.following === following) {
        this.following = null;
        this.onFollowing();
      }
    }
  }

  /** Stops following (another job is opened, or the key changed); the job goes on on the server. */
  stop() {
    this.generation++;
    this.following?.abort();
    this.following = null;
  }

  /** Stops following and empties the progress bar and the stage (a new key: nothing of the old one shows). */
  clear() {
    this.stop();
    this.show(0, '');
  }
}
