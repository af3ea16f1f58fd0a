// The whole-take mix as a job: submitted once (an Idempotency-Key, so a resent click cannot queue
// it twice), followed through its events with a progress bar and the stage in words, and kept in
// the browser's storage so a reload finds it again.
import { apiJson } from './api.js';
import { followJob } from './events.js';

const JOB_ITEM = 'mixchain.jobId';

export const STAGE_WORDS = {
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

export const rememberedJob = () => localStorage.getItem(JOB_ITEM);
export const rememberJob = (id) => localStorage.setItem(JOB_ITEM, id);
export const forgetJob = () => localStorage.removeItem(JOB_ITEM);

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
  }

  show(progress, words) {
    this.ui.progressBar.value = Math.max(0, Math.min(100, progress ?? 0));
    this.ui.stageText.textContent = words;
  }

  get running() {
    return this.following !== null;
  }

  /**
   * Queues a mix of `body`, `onQueued(job)` once the server took it; resolves to the job once it
   * finished (or null if another job was opened meanwhile).
   */
  async submit(body, onQueued = () => {}) {
    this.show(0, 'Sending…');
    const job = await apiJson('/jobs', { method: 'POST', body, headers: { 'Idempotency-Key': newIdempotencyKey() } });
    rememberJob(job.id);
    onQueued(job);
    return this.track(job);
  }

  /** Reopens a job by id: follows it if it is still running, else hands it on as it is. */
  async open(id) {
    const job = await apiJson(`/jobs/${encodeURIComponent(id)}`);
    rememberJob(job.id);
    return this.track(job);
  }

  async track(job) {
    this.stop();
    this.show(job.progress, stageWords(job.status, job.stage, job.attempts));
    if (job.status !== 'queued' && job.status !== 'processing') {
      this.onFinished(job);
      return job;
    }
    const following = new AbortController();
    this.following = following;
    this.jobId = job.id;
    this.onFollowing();
    try {
      const finished = await followJob(job.id, {
        signal: following.signal,
        onProgress: ({ progress, stage, attempt }) => this.show(progress, stageWords(stage === 'queued' ? 'queued' : 'processing', stage, attempt)),
        onReconnecting: () => (this.ui.stageText.textContent = `${this.ui.stageText.textContent.replace(/ \(reconnecting…\)$/, '')} (reconnecting…)`),
      });
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

  /** Stops following (another job is opened); the job itself goes on on the server. */
  stop() {
    this.following?.abort();
    this.following = null;
  }
}
