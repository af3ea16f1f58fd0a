// Webhooks and forwards through the service, over real HTTP: a job that ends is announced to a
// real receiver, signed per Standard Webhooks (checked with the reference library) and retried;
// a completed mix is forwarded with the forward key and its exact bytes, retried, and visible in
// /forwards; targets on loopback are refused unless the operator allows them; keys see only
// their own tasks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { makeAudio, startTestServer, upload, type AudioFixtures, type TestServer } from './fixtures/server.js';
import { parseMultipart, Receiver } from './fixtures/receiver.js';
import { until } from './fixtures/serve-process.js';

const FORWARD_KEY = 'fwd_test_key_0123456789';
const SCHEDULE = [0, 100, 200, 400];

let audio: AudioFixtures;
let hooks: Receiver;
let forwards: Receiver;
let server: TestServer;

async function api(path: string, init: RequestInit & { key?: string } = {}, on = server) {
  const { key = on.key, ...rest } = init;
  const response = await fetch(`${on.url}/api/v1${path}`, { ...rest, headers: { ...on.auth(key), ...(rest.body ? { 'content-type': 'application/json' } : {}), ...rest.headers } });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
}

async function submit(body: Record<string, unknown>, key = server.key, on = server) {
  return api('/jobs', { method: 'POST', body: JSON.stringify(body), key }, on);
}

beforeAll(async () => {
  audio = await makeAudio(2);
  hooks = await Receiver.start([500, 500, 200]);
  forwards = await Receiver.start([500, 500, 200]);
  server = await startTestServer({
    listen: true,
    workers: 1,
    allowPrivateTargets: true,
    webhookScheduleMs: SCHEDULE,
    forwardScheduleMs: SCHEDULE,
    forward: { url: forwards.url('/upload'), apiKey: FORWARD_KEY, auto: true },
  });
});

afterAll(async () => {
  await server?.close();
  await hooks?.stop();
  await forwards?.stop();
  audio?.remove();
});

describe('a completed job', () => {
  let job: { id: string };

  beforeAll(async () => {
    const [vocal, beat] = [await upload(server, audio.vocalWav), await upload(server, audio.beatWav)];
    const submitted = await submit({ vocal: vocal.id, beat: beat.id, webhookUrl: hooks.url('/hooks/mixchain') });
    expect(submitted.status).toBe(202);
    job = submitted.body;
    await until('the job to complete', async () => (await api(`/jobs/${job.id}`)).body.status === 'completed');
  });

  it('is announced by a signed webhook, retried until accepted: 3 attempts, one webhook-id, one accepted', async () => {
    const received = await hooks.waitFor(3);
    expect(received.map((r) => r.answer)).toEqual([500, 500, 200]);
    expect(new Set(received.map((r) => r.headers['webhook-id'])).size).toBe(1);
    const verifier = new Webhook(server.secret);
    for (const request of received) {
      expect(request.path).toBe('/hooks/mixchain');
      expect(request.headers['content-type']).toMatch(/^application\/json/);
      // The reference implementation accepts every attempt: the exact bytes, id and timestamp signed.
      const event = verifier.verify(request.body.toString('utf8'), request.headers as Record<string, string>) as { type: string; data: { id: string; status: string; result: { url: string } } };
      expect(event).toMatchObject({ type: 'job.completed', data: { id: job.id, status: 'completed' } });
    }
    // Another secret, or a changed body, is refused by the same library.
    const otherSecret = (await server.newKey()).secret;
    expect(() => new Webhook(otherSecret).verify(received[2]!.body.toString('utf8'), received[2]!.headers as Record<string, string>)).toThrow();
    expect(() => verifier.verify(received[2]!.body.toString('utf8').replace('completed', 'failed'), received[2]!.headers as Record<string, string>)).toThrow();

    const deliveries = await until('the delivery to be recorded', async () => {
      const list = (await api(`/jobs/${job.id}`)).body.deliveries as Array<{ kind: string; status: string }>;
      return list.find((d) => d.kind === 'webhook' && d.status === 'delivered') ? list : undefined;
    });
    expect(deliveries.find((d) => d.kind === 'webhook')).toEqual({
      kind: 'webhook',
      target: hooks.url('/hooks/mixchain'),
      status: 'delivered',
      attempts: 3,
      lastStatusCode: 200,
      lastError: null,
      updatedAt: expect.any(String),
    });
  });

  it('is forwarded automatically with the forward key, its metadata and its exact bytes: delivered after 3 attempts', async () => {
    const received = await forwards.waitFor(3);
    expect(received.map((r) => r.answer)).toEqual([500, 500, 200]);
    const result = await fetch(`${server.url}/api/v1/jobs/${job.id}/result`, { headers: server.auth() });
    const bytes = Buffer.from(await result.arrayBuffer());
    for (const request of received) {
      expect(request.method).toBe('POST');
      expect(request.path).toBe('/upload');
      expect(request.headers.authorization).toBe(`Bearer ${FORWARD_KEY}`);
      const form = await parseMultipart(request);
      expect(form.fields).toMatchObject({ job_id: job.id, key_id: server.keyId, format: 'wav', size: String(bytes.length) });
      expect(form.files).toHaveLength(1);
      expect(form.files[0]).toMatchObject({ field: 'file', filename: `mix-${job.id}.wav`, mimeType: 'audio/wav' });
      expect(form.files[0]!.data.equals(bytes)).toBe(true);
    }

    const tasks = await until('the forward to be delivered', async () => {
      const list = (await api('/forwards?limit=10')).body.items as Array<{ taskId: string; status: string }>;
      return list[0]?.status === 'delivered' ? list : undefined;
    });
    expect(tasks).toHaveLength(1);
    const task = (await api(`/forwards/${tasks[0]!.taskId}`)).body;
    expect(task).toMatchObject({ taskId: tasks[0]!.taskId, jobId: job.id, kind: 'forward', target: forwards.url('/upload'), status: 'delivered', attempts: 3, lastStatusCode: 200, lastError: null });
    expect(task.bytes).toBeGreaterThan(bytes.length);
    expect(task.durationMs).toBeGreaterThanOrEqual(0);
    expect(JSON.stringify(task)).not.toContain(FORWARD_KEY);

    const status = (await api('/forwards/status')).body;
    expect(status).toEqual({ configured: true, url: forwards.url('/upload'), auto: true, apiKeySet: true, counts: { pending: 0, sending: 0, delivered: 1, failed: 0 } });
    expect(JSON.stringify(status)).not.toContain(FORWARD_KEY);
  });

  it('is forwarded again by hand (POST /forwards → taskId), and only its owner sees the task', async () => {
    const before = forwards.requests.length;
    forwards.script([200]);
    const posted = await api('/forwards', { method: 'POST', body: JSON.stringify({ jobId: job.id }) });
    expect(posted.status).toBe(202);
    expect(posted.headers.get('location')).toBe(`/api/v1/forwards/${posted.body.taskId}`);
    expect(posted.body).toMatchObject({ jobId: job.id, status: expect.stringMatching(/^(pending|sending|delivered)$/) });
    await forwards.waitFor(before + 1);
    await until('the hand-made forward to be delivered', async () => (await api(`/forwards/${posted.body.taskId}`)).body.status === 'delivered');

    const stranger = await server.newKey();
    expect((await api(`/forwards/${posted.body.taskId}`, { key: stranger.key })).status).toBe(404);
    expect((await api('/forwards', { method: 'POST', body: JSON.stringify({ jobId: job.id }), key: stranger.key })).status).toBe(404);
    expect((await api('/forwards', { key: stranger.key })).body).toEqual({ items: [] });
    expect((await api('/forwards/status', { key: stranger.key })).body.counts).toEqual({ pending: 0, sending: 0, delivered: 0, failed: 0 });
  });
});

describe('webhooks', () => {
  // No render workers: jobs stay queued, so a cancel always ends them `cancelled`.
  let idle: TestServer;
  beforeAll(async () => {
    idle = await startTestServer({ listen: true, workers: 0, allowPrivateTargets: true, webhookScheduleMs: SCHEDULE });
  });
  afterAll(async () => {
    await idle?.close();
  });

  it("go to the key's default URL when the job names none, for a cancelled job too", async () => {
    const receiver = await Receiver.start();
    try {
      const caller = await idle.newKey('default webhook');
      await idle.app.services.webhooks.setUrl(caller.id, receiver.url('/default'));
      const vocal = await upload(idle, audio.vocalWav, caller.key);
      const submitted = await submit({ vocal: vocal.id }, caller.key, idle);
      expect((await api(`/jobs/${submitted.body.id}/cancel`, { method: 'POST', key: caller.key }, idle)).body.status).toBe('cancelled');
      const [request] = await receiver.waitFor(1);
      const event = new Webhook(caller.secret).verify(request!.body.toString('utf8'), request!.headers as Record<string, string>) as { type: string; data: { id: string } };
      expect(event).toMatchObject({ type: 'job.cancelled', data: { id: submitted.body.id } });
      expect(request!.path).toBe('/default');
    } finally {
      await receiver.stop();
    }
  });

  it('410 stops the retries at once: failed after one attempt', async () => {
    const receiver = await Receiver.start([410]);
    try {
      const vocal = await upload(idle, audio.vocalWav);
      const submitted = await submit({ vocal: vocal.id, webhookUrl: receiver.url('/gone') }, idle.key, idle);
      await api(`/jobs/${submitted.body.id}/cancel`, { method: 'POST' }, idle);
      const delivery = await until('the webhook to fail', async () => {
        const found = ((await api(`/jobs/${submitted.body.id}`, {}, idle)).body.deliveries as Array<{ status: string }>)[0];
        return found?.status === 'failed' ? found : undefined;
      });
      expect(delivery).toMatchObject({ kind: 'webhook', attempts: 1, lastStatusCode: 410 });
      expect(receiver.requests).toHaveLength(1);
    } finally {
      await receiver.stop();
    }
  });
});

describe('targets', () => {
  let guarded: TestServer;
  beforeAll(async () => {
    guarded = await startTestServer({ listen: true, workers: 0 });
  });
  afterAll(async () => {
    await guarded?.close();
  });

  it('a loopback, private or link-local webhook URL is refused at submission without the allow switch', async () => {
    const vocal = await upload(guarded, audio.vocalWav);
    for (const url of ['http://127.0.0.1:9/hook', 'http://localhost:9/hook', 'http://[::1]:9/hook', 'http://10.1.2.3/hook', 'http://169.254.169.254/latest/meta-data', 'http://[fe80::1]/hook']) {
      const answer = await submit({ vocal: vocal.id, webhookUrl: url }, guarded.key, guarded);
      expect(answer.status, url).toBe(400);
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(answer.body.code, url).toBe('ERR_TARGET_PRIVATE');
    }
    for (const url of ['ftp://example.com/hook', 'http://user:s3cr3t@example.com/hook']) {
      const answer = await submit({ vocal: vocal.id, webhookUrl: url }, guarded.key, guarded);
      expect(answer.status, url).toBe(400);
      expect(answer.body.code, url).toBe('ERR_TARGET_INVALID');
      expect(JSON.stringify(answer.body)).not.toContain('s3cr3t');
    }
    expect((await api('/jobs?limit=100', {}, guarded)).body.items).toEqual([]);
  });

  it('forwarding not configured: /forwards/status says so; POST /forwards, /forwards/test and forward: true are 409', async () => {
    expect((await api('/forwards/status', {}, guarded)).body).toEqual({ configured: false, url: null, auto: false, apiKeySet: false, counts: { pending: 0, sending: 0, delivered: 0, failed: 0 } });
    expect((await api('/forwards/test', {}, guarded)).body.code).toBe('ERR_FORWARD_NOT_CONFIGURED');
    expect((await api('/forwards', { method: 'POST', body: JSON.stringify({ jobId: 'x' }) }, guarded)).status).toBe(409);
    const vocal = await upload(guarded, audio.vocalWav);
    expect((await submit({ vocal: vocal.id, forward: true }, guarded.key, guarded)).status).toBe(409);
  });

  it('/forwards/test reports whether the endpoint answers its /health', async () => {
    const health = await api('/forwards/test');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ reachable: true, statusCode: 200, error: null });
    expect(forwards.requests.at(-1)!.path).toBe('/health');
  });

  it('hostile forward bodies and ids are refused with problem+json', async () => {
    for (const body of ['{}', '{"jobId":""}', '{"jobId":"a","extra":1}', '[]', 'null']) {
      const answer = await api('/forwards', { method: 'POST', body });
      expect(answer.status, body).toBe(400);
      expect(answer.body.code, body).toBe('ERR_VALIDATION');
    }
    expect((await api('/forwards', { method: 'POST', body: JSON.stringify({ jobId: 'no-such-job' }) })).status).toBe(404);
    expect((await api(`/forwards/${'x'.repeat(65)}`)).status).toBe(400);
    expect((await api('/forwards/fwd_unknown')).status).toBe(404);
    expect((await api('/forwards?limit=0')).status).toBe(400);
    expect((await api('/forwards?limit=101')).status).toBe(400);
  });
});
