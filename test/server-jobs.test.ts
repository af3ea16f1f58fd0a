// Jobs over real HTTP (a listening server and fetch): progress as Server-Sent Events read off the
// wire, resumed with Last-Event-ID without loss or repeats; cancelling queued and running jobs;
// idempotent submission; isolation between keys; and round-robin fairness between keys.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAudio } from '../src/index.js';
import { synthesizeBeat } from '../src/demo/material.js';
import { join } from 'node:path';
import { makeAudio, startTestServer, upload, type AudioFixtures, type TestServer } from './fixtures/server.js';
import { parseEvents, type SseEvent } from './fixtures/sse.js';

// Long enough that its render takes many seconds (about 6× realtime here: ~10 s).
const LONG_BEAT_SECONDS = 60;
const MIX_STAGES = ['decoding', 'vocal', 'master', 'loudness', 'encoding', 'storing'];

interface JobView {
  id: string;
  status: string;
  progress: number;
  startedAt: string | null;
  result: { url: string; size: number; format: string } | null;
  error: { code: string } | null;
}

/** A key with its own uploads of the short vocal and beat. */
interface Caller {
  key: string;
  vocal: string;
  beat: string;
}

let server: TestServer;
let audio: AudioFixtures;
let longBeat: string;

beforeAll(async () => {
  // Audio first: synthesising blocks the event loop this server shares, and a blocked loop is
  // what the server's overload guard answers 503 to.
  audio = await makeAudio(2);
  longBeat = join(audio.folder, 'long-beat.wav');
  writeAudio(longBeat, synthesizeBeat(LONG_BEAT_SECONDS), 44100, { sampleType: 'pcm16' });
  server = await startTestServer({ listen: true, workers: 1 });
  const deadline = performance.now() + 30_000;
  while (!(await fetch(`${server.url}/readyz`)).ok) {
    if (performance.now() > deadline) throw new Error('Timed out waiting for /readyz');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
});

afterAll(async () => {
  await server?.close();
  audio?.remove();
});

async function caller(): Promise<Caller> {
  const { key } = await server.newKey();
  return { key, vocal: (await upload(server, audio.vocalWav, key)).id, beat: (await upload(server, audio.beatWav, key)).id };
}

function api(path: string, key: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${server.url}/api/v1${path}`, { ...init, headers: { ...server.auth(key), ...(init.headers as Record<string, string>) } });
}

async function submit(who: Caller, options: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<{ response: Response; job: JobView }> {
  const response = await api('/jobs', who.key, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ vocal: who.vocal, beat: who.beat, ...options }) });
  expect(response.status).toBe(202);
  return { response, job: (await response.json()) as JobView };
}

async function getJob(who: Caller, id: string): Promise<JobView> {
  const response = await api(`/jobs/${id}`, who.key);
  expect(response.status).toBe(200);
  return (await response.json()) as JobView;
}

function openEvents(who: Caller, id: string, init: { lastEventId?: number; signal?: AbortSignal } = {}): Promise<Response> {
  return api(`/jobs/${id}/events`, who.key, { headers: init.lastEventId === undefined ? {} : { 'last-event-id': String(init.lastEventId) }, ...(init.signal ? { signal: init.signal } : {}) });
}

/** Every event of a stream, until the server ends it. */
async function readAll(response: Response): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  for await (const event of parseEvents(response)) events.push(event);
  return events;
}

/** Follows a job's events to its end and answers the job as its final event carries it. */
async function finished(who: Caller, id: string): Promise<JobView> {
  const events = await readAll(await openEvents(who, id));
  return events.at(-1)!.data as unknown as JobView;
}

const terminal = (event: SseEvent) => event.event !== 'progress';

describe('job events', () => {
  it('stream progress in order through every stage, then the completed job, then end', async () => {
    const who = await caller();
    const { response, job } = await submit(who, { lufs: -16 });
    expect(response.headers.get('location')).toBe(`/api/v1/jobs/${job.id}`);
    const events = await readAll(await openEvents(who, job.id));

    const ids = events.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    const progress = events.filter((e) => e.event === 'progress').map((e) => e.data.progress as number);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    const stages = new Set(events.map((e) => e.data.stage));
    for (const stage of MIX_STAGES) expect(stages, stage).toContain(stage);

    expect(events.filter(terminal)).toHaveLength(1);
    const last = events.at(-1)!;
    expect(last.event).toBe('completed');
    const done = last.data as unknown as JobView;
    expect(done).toMatchObject({ id: job.id, status: 'completed', progress: 100 });
    expect(done.result!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/files\//);
    expect((await getJob(who, job.id)).status).toBe('completed');
  });

  it('resume after Last-Event-ID with nothing missed and nothing repeated', async () => {
    const who = await caller();
    const { job } = await submit(who, { duration: 2 });
    const disconnect = new AbortController();
    const first: SseEvent[] = [];
    for await (const event of parseEvents(await openEvents(who, job.id, { signal: disconnect.signal }))) {
      first.push(event);
      if (first.length === 3) break;
    }
    disconnect.abort();
    expect(first.some(terminal)).toBe(false);
    const rest = await readAll(await openEvents(who, job.id, { lastEventId: first.at(-1)!.id }));
    // The whole log, read again from the start now that the job is over.
    const full = await readAll(await openEvents(who, job.id));

    const outline = (events: SseEvent[]) => events.map(({ id, event, data }) => ({ id, event, progress: data.progress, stage: data.stage }));
    expect(full.at(-1)!.event).toBe('completed');
    expect(outline([...first, ...rest])).toEqual(outline(full));
  });

  it('of a finished job answer its final event at once and end', async () => {
    const who = await caller();
    const { job } = await submit(who, { duration: 1 });
    const all = await readAll(await openEvents(who, job.id));
    const final = all.at(-1)!;
    const started = performance.now();
    const again = await readAll(await openEvents(who, job.id, { lastEventId: final.id }));
    // Well before the first 15 s heartbeat: the server ended the stream itself.
    expect(performance.now() - started).toBeLessThan(2000);
    expect(again).toHaveLength(1);
    expect(again[0]).toMatchObject({ id: final.id, event: 'completed', data: { id: job.id, status: 'completed' } });
  });
});

describe('cancelling', () => {
  it('ends a queued job at once, and a rendering one at its next block as cancelled', async () => {
    const who = await caller();
    const long = (await upload(server, longBeat, who.key)).id;
    const { job: running } = await submit(who, { beat: long });
    const { job: waiting } = await submit(who, { duration: 1 });
    // Read by hand up to the render, so the rest of the same stream can be read after the cancel.
    const stream = parseEvents(await openEvents(who, running.id));
    for (let next = await stream.next(); next.value?.data.stage !== 'vocal'; next = await stream.next()) {
      if (next.done) throw new Error('The stream ended before the render began');
    }

    expect((await getJob(who, waiting.id)).status).toBe('queued');
    const cancelQueued = await api(`/jobs/${waiting.id}/cancel`, who.key, { method: 'POST' });
    expect(cancelQueued.status).toBe(200);
    expect(await cancelQueued.json()).toMatchObject({ id: waiting.id, status: 'cancelled', startedAt: null });

    const asked = performance.now();
    const cancelRunning = await api(`/jobs/${running.id}/cancel`, who.key, { method: 'POST' });
    expect(cancelRunning.status).toBe(200);
    const rest: SseEvent[] = [];
    for await (const event of stream) rest.push(event);
    const stoppedMs = performance.now() - asked;
    expect(rest.at(-1)).toMatchObject({ event: 'cancelled', data: { id: running.id, status: 'cancelled', error: null, result: null } });
    expect(rest.filter(terminal)).toHaveLength(1);
    // A full render of this input takes many seconds; the cancel lands within a block or two.
    expect(stoppedMs).toBeLessThan(4000);
    expect((await getJob(who, running.id)).status).toBe('cancelled');

    const again = await api(`/jobs/${running.id}/cancel`, who.key, { method: 'POST' });
    expect(again.status).toBe(409);
  });
});

describe('submission', () => {
  it('with the same Idempotency-Key and body returns the same job', async () => {
    const who = await caller();
    const headers = { 'idempotency-key': 'take-42' };
    const { job: first } = await submit(who, { duration: 1 }, headers);
    const { response, job: second } = await submit(who, { duration: 1 }, headers);
    expect(second.id).toBe(first.id);
    expect(response.headers.get('idempotent-replayed')).toBe('true');
    const list = (await (await api('/jobs', who.key)).json()) as { items: JobView[] };
    expect(list.items.map((j) => j.id)).toEqual([first.id]);
    expect((await finished(who, first.id)).status).toBe('completed');
  });
});

describe('another key', () => {
  it('sees 404 for every route of a job that is not its own, and an empty list', async () => {
    const owner = await caller();
    const { job } = await submit(owner, { duration: 1 });
    expect((await finished(owner, job.id)).status).toBe('completed');
    const { key } = await server.newKey('stranger');
    const stranger: Caller = { key, vocal: '', beat: '' };

    const attempts: Array<[string, string]> = [
      ['GET', `/jobs/${job.id}`],
      ['GET', `/jobs/${job.id}/events`],
      ['GET', `/jobs/${job.id}/result`],
      ['POST', `/jobs/${job.id}/cancel`],
      ['DELETE', `/jobs/${job.id}`],
    ];
    for (const [method, path] of attempts) {
      const response = await api(path, stranger.key, { method });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await response.json()).toMatchObject({ status: 404, code: 'ERR_JOB_NOT_FOUND' });
    }
    const list = (await (await api('/jobs', stranger.key)).json()) as { items: unknown[]; nextCursor: string | null };
    expect(list).toEqual({ items: [], nextCursor: null });

    // The stranger's cancel and delete touched nothing: the owner still has the job and its result.
    expect((await getJob(owner, job.id)).status).toBe('completed');
    const result = await api(`/jobs/${job.id}/result`, owner.key);
    expect(result.status).toBe(200);
    expect((await result.arrayBuffer()).byteLength).toBeGreaterThan(0);
  });
});

describe('fairness', () => {
  it('takes turns between keys: a second key does not wait behind the first one’s backlog', async () => {
    const [a, b] = await Promise.all([caller(), caller()]);
    const jobsOfA: string[] = [];
    for (let i = 0; i < 6; i++) jobsOfA.push((await submit(a, { duration: 1 })).job.id);
    const { job: jobOfB } = await submit(b, { duration: 1 });

    const doneB = await finished(b, jobOfB.id);
    const doneA = await Promise.all(jobsOfA.map((id) => finished(a, id)));
    expect([doneB, ...doneA].every((job) => job.status === 'completed')).toBe(true);
    const startOfB = Date.parse(doneB.startedAt!);
    const laterOfA = doneA.filter((job) => Date.parse(job.startedAt!) > startOfB);
    expect(laterOfA.length).toBeGreaterThanOrEqual(4);
  });
});
