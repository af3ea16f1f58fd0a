// A job's Server-Sent Events read with fetch streaming (EventSource cannot send the key). A
// dropped connection is resumed with Last-Event-ID, so nothing is missed or repeated; a stream
// that ends without a final event (a proxy closing it, a restart) is checked against GET
// /jobs/:id before reconnecting, a stream silent past three heartbeats is treated as dropped, and
// a connection refused with a Retry-After (429, 503) waits that long before the next.
import { ApiError, apiFetch, apiJson } from './api.js';
import { retryPause, sleep } from './retry.js';

const FINAL = new Set(['completed', 'failed', 'cancelled']);
const SILENCE_MS = 45_000;

/** Splits a text/event-stream into events: { type, data, id }. */
function eventParser(onEvent) {
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

const stopped = () => new DOMException('Stopped following the job', 'AbortError');

/**
 * Reads one connection. Resolves to { final, retryAfter }: the final job, or null when the
 * stream ended without one; and the seconds a refused connection was told to wait, or null.
 */
async function readStream(jobId, lastEventId, { onProgress, onEventId, signal }) {
  const silence = new AbortController();
  const abortAll = () => silence.abort();
  signal?.addEventListener('abort', abortAll, { once: true });
  let watchdog = setTimeout(abortAll, SILENCE_MS);
  let reader = null;
  // Only the connection's own failures count as a drop (the caller checks the job and
  // reconnects); what the page's handlers throw is a fault of the page and goes on up.
  const dropped = (error) => {
    if (signal?.aborted) throw stopped();
    if (error instanceof ApiError && !retryable(error)) throw error;
    return { final: null, retryAfter: error?.retryAfter ?? null };
  };
  try {
    let response;
    try {
      response = await apiFetch(`/jobs/${encodeURIComponent(jobId)}/events`, {
        headers: { Accept: 'text/event-stream', ...(lastEventId ? { 'Last-Event-ID': lastEventId } : {}) },
        signal: silence.signal,
        cache: 'no-store',
      });
    } catch (error) {
      return dropped(error);
    }
    reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let final = null;
    const parse = eventParser((event) => {
      if (event.id) onEventId(event.id);
      const data = JSON.parse(event.data);
      if (FINAL.has(event.type)) final = data;
      else if (event.type === 'progress') onProgress(data);
    });
    while (final === null) {
      let chunk;
      try {
        chunk = await reader.read();
      } catch (error) {
        return dropped(error);
      }
      if (chunk.done) break;
      clearTimeout(watchdog);
      watchdog = setTimeout(abortAll, SILENCE_MS);
      parse(chunk.value);
    }
    return { final, retryAfter: null };
  } finally {
    clearTimeout(watchdog);
    signal?.removeEventListener('abort', abortAll);
    reader?.cancel().catch(() => {});
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
    const { final, retryAfter } = await readStream(jobId, lastEventId, { onProgress, onEventId: (id) => (lastEventId = id), signal });
    if (final) return final;
    // A connection that delivered something was healthy: the next wait starts short again.
    if (lastEventId !== before) attempt = 0;
    // Told when to come back (429, 503): that wait, and no other request before it. Else the
    // stream ended early: the job may have finished meanwhile, or the server may be away.
    let wait = retryAfter;
    if (wait === null) {
      try {
        const job = await apiJson(`/jobs/${encodeURIComponent(jobId)}`, { signal });
        if (FINAL.has(job.status)) return job;
        onProgress({ progress: job.progress, stage: job.status === 'queued' ? 'queued' : job.stage, attempt: job.attempts });
      } catch (error) {
        if (error?.name === 'AbortError' || !retryable(error)) throw error;
        wait = error.retryAfter;
      }
    }
    onReconnecting();
    await sleep(wait !== null ? wait * 1000 : retryPause(attempt), signal);
    if (signal?.aborted) throw stopped();
  }
}
