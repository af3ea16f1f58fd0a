// A job's Server-Sent Events read with fetch streaming (EventSource cannot send the key). A
// dropped connection is resumed with Last-Event-ID, so nothing is missed or repeated; a stream
// that ends without a final event (a proxy closing it, a restart) is checked against GET
// /jobs/:id before reconnecting, and a stream silent past three heartbeats is treated as dropped.
import { ApiError, apiFetch, apiJson } from './api.js';

const FINAL = new Set(['completed', 'failed', 'cancelled']);
const SILENCE_MS = 45_000;
const RETRY_MS = [1000, 2000, 5000, 10_000];

/** Splits a text/event-stream into events: { type, data, id }. */
export function eventParser(onEvent) {
  let buffer = '';
  let event = { type: 'message', data: [], id: null };
  return (chunk) => {
    buffer += chunk;
    const lines = buffer.split(/\r\n|\r|\n/);
    buffer = lines.pop();
    for (const line of lines) {
      if (line === '') {
        if (event.data.length) onEvent({ type: event.type, data: event.data.join('\n'), id: event.id });
        event = { type: 'message', data: [], id: null };
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event.type = value;
      else if (field === 'data') event.data.push(value);
      else if (field === 'id') event.id = value;
    }
  };
}

/** Worth another try: no answer, rate limited, or the server's trouble; other refusals are final. */
const retryable = (error) => error instanceof ApiError && (error.status === 0 || error.status === 429 || error.status >= 500);

const sleep = (ms, signal) =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });

/** Reads one connection; resolves to the final job, or null when the stream ended without one. */
async function readStream(jobId, lastEventId, { onProgress, onEventId, signal }) {
  const silence = new AbortController();
  const abortAll = () => silence.abort();
  signal?.addEventListener('abort', abortAll, { once: true });
  let watchdog = setTimeout(abortAll, SILENCE_MS);
  try {
    const response = await apiFetch(`/jobs/${encodeURIComponent(jobId)}/events`, {
      headers: { Accept: 'text/event-stream', ...(lastEventId ? { 'Last-Event-ID': lastEventId } : {}) },
      signal: silence.signal,
      cache: 'no-store',
    });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let final = null;
    const parse = eventParser((event) => {
      if (event.id) onEventId(event.id);
      const data = JSON.parse(event.data);
      if (FINAL.has(event.type)) final = data;
      else if (event.type === 'progress') onProgress(data);
    });
    while (final === null) {
      const { value, done } = await reader.read();
      if (done) break;
      clearTimeout(watchdog);
      watchdog = setTimeout(abortAll, SILENCE_MS);
      parse(value);
    }
    reader.cancel().catch(() => {});
    return final;
  } catch (error) {
    // A cut or a silent connection: the caller checks the job and reconnects. Refusals are final.
    if (error instanceof ApiError && !retryable(error)) throw error;
    if (signal?.aborted) throw new DOMException('Stopped following the job', 'AbortError');
    return null;
  } finally {
    clearTimeout(watchdog);
    signal?.removeEventListener('abort', abortAll);
  }
}

/**
 * Follows a job to its end: resolves to the finished job (as GET /jobs/:id gives it);
 * `onProgress({ progress, stage, attempt })` on the way. Stops (AbortError) when `signal` aborts.
 */
export async function followJob(jobId, { onProgress, onReconnecting = () => {}, signal } = {}) {
  let lastEventId = null;
  for (let attempt = 0; ; attempt++) {
    const before = lastEventId;
    const final = await readStream(jobId, lastEventId, { onProgress, onEventId: (id) => (lastEventId = id), signal });
    if (final) return final;
    // A connection that delivered something was healthy: the next wait starts short again.
    if (lastEventId !== before) attempt = 0;
    if (signal?.aborted) throw new DOMException('Stopped following the job', 'AbortError');
    // The stream ended early: the job may have finished meanwhile, or the server may be away.
    let wait = null;
    try {
      const job = await apiJson(`/jobs/${encodeURIComponent(jobId)}`, { signal });
      if (FINAL.has(job.status)) return job;
      onProgress({ progress: job.progress, stage: job.status === 'queued' ? 'queued' : job.stage, attempt: job.attempts });
    } catch (error) {
      if (error?.name === 'AbortError' || !retryable(error)) throw error;
      wait = error.retryAfter;
    }
    onReconnecting();
    await sleep(wait !== null ? wait * 1000 : RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)], signal);
  }
}
