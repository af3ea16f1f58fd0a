// Deliveries against real HTTP receivers on 127.0.0.1 and a real SQLite file: outbound safety,
// Standard Webhooks signatures checked by the reference library, retries per schedule (short
// schedules here), forwards as multipart with the exact file bytes, durability across a restart,
// and no secret in any record or log line. The store itself, on SQLite and Redis, and several
// dispatchers sharing one: delivery-stores.test.ts.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DeliveryRecord, DeliveryStore } from '../src/delivery/delivery-store.js';
import { DeliveryDispatcher, type DeliverySources, type DispatcherOptions } from '../src/delivery/dispatcher.js';
import { sendRequest } from '../src/delivery/http-client.js';
import { SqliteDeliveryStore } from '../src/delivery/sqlite-delivery-store.js';
import { newWebhookSecret, signWebhook } from '../src/delivery/signing.js';
import { checkTarget, isPrivateAddress, parseTarget } from '../src/delivery/targets.js';
import { MixchainError } from '../src/errors.js';
import { openDatabase, type Db } from '../src/storage/database.js';
import { Receiver, parseMultipart, type ReceivedRequest } from './fixtures/receiver.js';

const KEY = 'key_owner';
const OTHER_KEY = 'key_stranger';
const SECRET = newWebhookSecret();
const API_KEY = `fwdkey-${randomBytes(16).toString('hex')}`;
const SCHEDULE = [0, 100, 200, 400];

interface Opened {
  db: Db;
  store: DeliveryStore;
  dispatcher: DeliveryDispatcher;
}

let dir: string;
let file: { path: string; bytes: Buffer };
let logs: { level: string; message: string; fields?: Record<string, unknown> }[];
let opened: Opened[];
let receivers: Receiver[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mixchain-delivery-'));
  // Larger than a stream chunk, so the file goes out in many pieces.
  file = { path: join(dir, 'result.wav'), bytes: randomBytes(300_000) };
  await writeFile(file.path, file.bytes);
  logs = [];
  opened = [];
  receivers = [];
});

afterEach(async () => {
  for (const { dispatcher } of opened) await dispatcher.close();
  const rows = opened.filter(({ db }) => db.open).flatMap(({ db }) => db.prepare('SELECT * FROM deliveries').all());
  for (const { db } of opened) if (db.open) db.close();
  for (const receiver of receivers) await receiver.stop();
  await rm(dir, { recursive: true, force: true });
  // Everything the service keeps or says about deliveries: no secret in any of it.
  const kept = JSON.stringify({ rows, logs });
  expect(kept).not.toContain(API_KEY);
  expect(kept).not.toContain(SECRET.slice('whsec_'.length));
});

const log = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => logs.push({ level, message, fields });

const metadata = (keyId: string, jobId: string) => ({ job_id: jobId, key_id: keyId, format: 'wav', note: 'quotes " and ünïcode' });

/** A store and dispatcher on the test's database file (opening it again is a restart). */
function open(options: Partial<DispatcherOptions> = {}, sources: Partial<DeliverySources> = {}): Opened {
  const db = openDatabase(dir);
  const store = new SqliteDeliveryStore(db);
  const dispatcher = new DeliveryDispatcher(
    store,
    {
      webhookSecret: async (keyId) => (keyId === KEY ? SECRET : null),
      forwardFile: async (keyId, jobId) => ({ path: file.path, filename: `mix-${jobId}.wav`, contentType: 'audio/wav', metadata: metadata(keyId, jobId) }),
      forward: null,
      ...sources,
    },
    { allowPrivate: true, webhookSchedule: SCHEDULE, forwardSchedule: SCHEDULE, webhookTimeoutMs: 2000, forwardTimeoutMs: 2000, concurrency: 4, ...options },
    log,
  );
  const it = { db, store, dispatcher };
  opened.push(it);
  return it;
}

async function receiver(...args: Parameters<typeof Receiver.start>): Promise<Receiver> {
  const started = await Receiver.start(...args);
  receivers.push(started);
  return started;
}

/** Waits for a task to be delivered or failed. */
const settled = (store: DeliveryStore, id: string, keyId = KEY) =>
  vi.waitFor(
    async () => {
      const record = (await store.get(keyId, id))!;
      expect(['delivered', 'failed']).toContain(record.status);
      return record;
    },
    { timeout: 15_000, interval: 5 },
  );

async function rejection(promise: Promise<unknown>): Promise<MixchainError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MixchainError);
  return error as MixchainError;
}

function thrown(call: () => unknown): MixchainError {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(MixchainError);
    return error as MixchainError;
  }
  throw new Error('Expected a throw');
}

const verified = (request: ReceivedRequest) => new Webhook(SECRET).verify(request.body.toString(), request.headers as Record<string, string>);
const gaps = (requests: ReceivedRequest[]) => requests.slice(1).map((r, i) => r.at - requests[i]!.at);

describe('targets', () => {
  it('classifies addresses: loopback, private, link-local, CGNAT, unique-local, multicast, mapped and embedded IPv4', () => {
    const privateOnes = [
      '127.0.0.1', '127.255.255.254', '10.0.0.1', '10.255.255.255', '172.16.0.1', '172.31.255.255', '192.168.0.1', '192.168.255.255',
      '169.254.0.1', '169.254.169.254', '100.64.0.1', '100.127.255.254', '0.0.0.0', '0.1.2.3', '224.0.0.1', '239.255.255.250',
      '255.255.255.255', '198.18.0.1', '192.0.0.8',
      '::', '::1', 'fe80::1', 'febf:ffff::1', 'fe80::1%eth0', 'fc00::1', 'fd00:ec2::254', 'ff02::1', 'fec0::1',
      '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '::ffff:169.254.169.254', '::ffff:192.168.1.1',
      '64:ff9b::a00:1', '64:ff9b::127.0.0.1', '2002:7f00:1::1', '2002:a9fe:a9fe::1', '::127.0.0.1',
      'localhost', 'not an address', '',
    ];
    const publicOnes = [
      '8.8.8.8', '1.1.1.1', '11.0.0.1', '9.255.255.255', '172.15.255.255', '172.32.0.1', '192.167.255.255', '192.169.0.1',
      '169.253.255.255', '169.255.0.1', '100.63.255.255', '100.128.0.1', '126.255.255.255', '128.0.0.1', '223.255.255.255',
      '2606:4700:4700::1111', '2001:4860:4860::8888', '::ffff:8.8.8.8', '::ffff:808:808', '64:ff9b::808:808', '2002:808:808::1', 'fbff::1', 'fe7f::1',
    ];
    expect(privateOnes.filter((ip) => !isPrivateAddress(ip))).toEqual([]);
    expect(publicOnes.filter((ip) => isPrivateAddress(ip))).toEqual([]);
  });

  it('parseTarget accepts http(s) URLs only, without credentials, with a host', () => {
    expect(parseTarget('https://hooks.example.com/in?token=abc').hostname).toBe('hooks.example.com');
    expect(parseTarget('http://[2606:4700::1]:8080/x').port).toBe('8080');
    for (const url of ['ftp://example.com/file', 'file:///etc/passwd', 'javascript:alert(1)', 'http://', 'no url at all', '', `https://example.com/${'a'.repeat(3000)}`]) {
      expect(thrown(() => parseTarget(url)).code, url).toBe('ERR_TARGET_INVALID');
    }
    const credentials = thrown(() => parseTarget('https://someone:hunter2pass@example.com/hook?token=tok3n'));
    expect(credentials.code).toBe('ERR_TARGET_INVALID');
    expect(credentials.message).toContain('https://example.com/hook');
    expect(credentials.message).not.toMatch(/hunter2pass|someone|tok3n/);
    expect(thrown(() => parseTarget('https://:pw@example.com/')).code).toBe('ERR_TARGET_INVALID');
  });

  it('checkTarget refuses loopback, private and link-local addresses on resolution, sending nothing, unless allowed', async () => {
    const r = await receiver();
    const port = new URL(r.origin).port;
    const refused = [
      r.url(),
      `http://localhost:${port}/hook`,
      `http://[::1]:${port}/hook`,
      `http://[::ffff:127.0.0.1]:${port}/hook`,
      `http://2130706433:${port}/hook`,
      `http://0x7f.1:${port}/hook`,
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.1/hook',
      'https://192.168.1.20/hook',
      'http://[fe80::1]/hook',
      'http://100.100.100.200/',
    ];
    for (const url of refused) expect((await rejection(checkTarget(url, false))).code, url).toBe('ERR_TARGET_PRIVATE');
    expect(r.connections).toBe(0);
    expect((await checkTarget(r.url(), true)).port).toBe(port);
    expect((await checkTarget(`http://localhost:${port}/`, true)).hostname).toBe('localhost');
    // A public address resolves to itself: no network needed to accept it.
    expect((await checkTarget('http://8.8.8.8/hook', false)).hostname).toBe('8.8.8.8');
    expect((await rejection(checkTarget('ftp://8.8.8.8/', true))).code).toBe('ERR_TARGET_INVALID');
    expect((await rejection(checkTarget('http://user:pw@8.8.8.8/', true))).code).toBe('ERR_TARGET_INVALID');
    expect(r.connections).toBe(0);
  });

  it('the request itself refuses private addresses when connecting, by name (lookup hook) and by address', async () => {
    const r = await receiver();
    const port = new URL(r.origin).port;
    for (const url of [`http://localhost:${port}/hook`, `http://127.0.0.1:${port}/hook`, `http://[::ffff:7f00:1]:${port}/hook`]) {
      const error = await rejection(sendRequest({ url: new URL(url), method: 'POST', headers: {}, body: Buffer.from('x'), timeoutMs: 2000, allowPrivate: false }));
      expect(error.code, url).toBe('ERR_TARGET_PRIVATE');
    }
    expect(r.connections).toBe(0);
    const body = Buffer.from('{"hello":1}');
    const answer = await sendRequest({ url: new URL(`http://localhost:${port}/hook`), method: 'POST', headers: { 'content-length': body.length }, body, timeoutMs: 2000, allowPrivate: true });
    expect(answer.statusCode).toBe(200);
    expect(answer.bytesSent).toBe(body.length);
    expect(answer.durationMs).toBeGreaterThanOrEqual(0);
    expect(r.requests[0]!.body.equals(body)).toBe(true);
    expect(r.requests[0]!.headers['user-agent']).toMatch(/^mixchain\/\d+\.\d+\.\d+/);
  });

  it('never follows a redirect; a hang ends at the timeout with an error that shows no query or key', async () => {
    const r = await receiver(['redirect', 'hang']);
    const redirected = await sendRequest({ url: new URL(r.url()), method: 'GET', headers: {}, timeoutMs: 2000, allowPrivate: true });
    expect(redirected.statusCode).toBe(302);
    const started = Date.now();
    const error = await rejection(sendRequest({ url: new URL(`${r.url()}?token=tok3n`), method: 'GET', headers: { authorization: `Bearer ${API_KEY}` }, timeoutMs: 250, allowPrivate: true }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
    expect(error.code).toBe('ERR_DELIVERY_TIMEOUT');
    expect(error.message).toContain(r.url());
    expect(error.message).not.toMatch(/tok3n|fwdkey/);
    expect(r.requests.map((q) => q.path)).toEqual(['/hook', '/hook?token=tok3n']);
    await r.stop();
    const refused = await rejection(sendRequest({ url: new URL(r.url()), method: 'GET', headers: {}, timeoutMs: 2000, allowPrivate: true }));
    expect(refused.code).toBe('ERR_DELIVERY_FAILED');
    expect(refused.message).toMatch(/ECONNREFUSED/);
    // By name (where localhost has ::1 and 127.0.0.1, both are tried and refused).
    const byName = await rejection(sendRequest({ url: new URL(`http://localhost:${new URL(r.origin).port}/hook`), method: 'GET', headers: {}, timeoutMs: 2000, allowPrivate: true }));
    expect(byName.message).toMatch(/ECONNREFUSED/);
  });
});

describe('signing', () => {
  it('makes whsec_ secrets of 32 random bytes and signs as the reference library does', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    expect(newWebhookSecret()).not.toBe(secret);
    const body = '{"type":"job.completed","data":{"id":"job_1"}}';
    const timestamp = 1_700_000_000;
    expect(signWebhook(secret, 'dlv_1', timestamp, body)).toBe(new Webhook(secret).sign('dlv_1', new Date(timestamp * 1000), body));
    expect(signWebhook(secret, 'dlv_1', timestamp, body)).not.toBe(signWebhook(secret, 'dlv_2', timestamp, body));
  });
});

describe('webhooks', () => {
  const payload = { type: 'job.completed', timestamp: '2025-01-01T00:00:00.000Z', data: { id: 'job_1', status: 'completed', text: 'ünïcode ✓' } };

  it('a receiver verifies the delivery with the reference Standard Webhooks library', async () => {
    const r = await receiver();
    const { store, dispatcher } = open();
    await dispatcher.start();
    const record = await dispatcher.enqueueWebhook(KEY, 'job_1', `${r.url()}?token=tok3n`, payload);
    expect(record.id).toMatch(/^dlv_/);
    expect(record.target).toBe(r.url());
    const done = await settled(store, record.id);
    expect(done).toMatchObject({ status: 'delivered', attempts: 1, lastStatusCode: 200, lastError: null, kind: 'webhook', jobId: 'job_1', target: r.url() });
    const [request] = await r.waitFor(1);
    expect(request!.path).toBe('/hook?token=tok3n');
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers['webhook-id']).toBe(record.id);
    expect(Number(request!.headers['webhook-timestamp'])).toBeCloseTo(Date.now() / 1000, -1);
    expect(verified(request!)).toEqual(payload);
    // The same bytes under another secret do not verify.
    expect(() => new Webhook(newWebhookSecret()).verify(request!.body.toString(), request!.headers as Record<string, string>)).toThrow();
    expect((await store.forJob(KEY, 'job_1')).map((d) => d.id)).toEqual([record.id]);
    expect(await store.forJob(OTHER_KEY, 'job_1')).toEqual([]);
  });

  it('500, 500, then 200: one accepted delivery after 3 attempts, all under the same webhook-id, as scheduled', async () => {
    const r = await receiver([500, 500, 200]);
    const { store, dispatcher } = open();
    await dispatcher.start();
    const record = await dispatcher.enqueueWebhook(KEY, 'job_2', r.url(), payload);
    const done = await settled(store, record.id);
    expect(done).toMatchObject({ status: 'delivered', attempts: 3, lastStatusCode: 200, lastError: null, nextAttemptAt: null });
    await dispatcher.idle();
    expect(r.requests).toHaveLength(3);
    expect(r.requests.map((q) => q.headers['webhook-id'])).toEqual([record.id, record.id, record.id]);
    expect(r.requests.filter((q) => q.answer === 200)).toHaveLength(1);
    for (const request of r.requests) expect(verified(request)).toEqual(payload);
    gaps(r.requests).forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(SCHEDULE[i + 1]! - 2));
    expect(logs.filter((l) => l.level === 'warn' && l.fields?.id === record.id).map((l) => l.fields?.statusCode)).toEqual([500, 500]);
  });

  it('410 stops after one attempt', async () => {
    const r = await receiver([410]);
    const { store, dispatcher } = open();
    await dispatcher.start();
    const record = await dispatcher.enqueueWebhook(KEY, 'job_3', r.url(), payload);
    const done = await settled(store, record.id);
    expect(done).toMatchObject({ status: 'failed', attempts: 1, lastStatusCode: 410, nextAttemptAt: null });
    expect(done.lastError).toMatch(/HTTP 410/);
    await dispatcher.idle();
    expect(r.requests).toHaveLength(1);
  });

  it('a redirect is not followed and counts as a failure, until the schedule runs out', async () => {
    const r = await receiver([], 'redirect');
    const { store, dispatcher } = open();
    await dispatcher.start();
    const record = await dispatcher.enqueueWebhook(KEY, 'job_4', r.url(), payload);
    const done = await settled(store, record.id);
    expect(done).toMatchObject({ status: 'failed', attempts: SCHEDULE.length, lastStatusCode: 302 });
    expect(done.lastError).toMatch(/HTTP 302.*not followed/);
    expect(r.requests.map((q) => q.path)).toEqual(SCHEDULE.map(() => '/hook'));
  });

  it('a hanging receiver hits the timeout and the webhook is retried', async () => {
    const r = await receiver(['hang', 200]);
    const { store, dispatcher } = open({ webhookTimeoutMs: 300 });
    await dispatcher.start();
    const record = await dispatcher.enqueueWebhook(KEY, 'job_5', r.url(), payload);
    const done = await settled(store, record.id);
    expect(done).toMatchObject({ status: 'delivered', attempts: 2, lastStatusCode: 200 });
    expect(gaps(r.requests)[0]).toBeGreaterThanOrEqual(300 + SCHEDULE[1]! - 2);
    const warning = logs.find((l) => l.level === 'warn' && l.fields?.id === record.id);
    expect(warning?.fields?.error).toMatch(/within 300 ms/);
    expect(warning?.fields?.statusCode).toBe(null);
  });

  it('the schedule running out ends failed with the last error', async () => {
    const r = await receiver([500, 502, 500, 503]);
    const { store, dispatcher } = open();
    await dispatcher.start();
    const record = await dispatcher.enqueueWebhook(KEY, 'job_6', r.url(), payload);
    const done = await settled(store, record.id);
    expect(done).toMatchObject({ status: 'failed', attempts: 4, lastStatusCode: 503, nextAttemptAt: null });
    expect(done.lastError).toMatch(/HTTP 503/);
    await dispatcher.idle();
    expect(r.requests).toHaveLength(4);
    expect(logs.filter((l) => l.fields?.id === record.id).map((l) => l.level)).toEqual(['warn', 'warn', 'warn', 'error']);
  });

  it('Retry-After on 503 pushes the next attempt later (capped by the schedule)', async () => {
    const r = await receiver([{ status: 503, headers: { 'retry-after': '1' } }, 200]);
    const { store, dispatcher } = open();
    await dispatcher.start();
    const record = await dispatcher.enqueueWebhook(KEY, 'job_7', r.url(), payload);
    expect((await settled(store, record.id)).status).toBe('delivered');
    expect(gaps(r.requests)[0]).toBeGreaterThanOrEqual(Math.max(...SCHEDULE) - 2);
  });

  it('refuses a loopback target without the allow switch, an invalid one, and a key without a secret, sending nothing', async () => {
    const r = await receiver();
    const { store, dispatcher } = open({ allowPrivate: false });
    await dispatcher.start();
    const loopback = await dispatcher.enqueueWebhook(KEY, 'job_8', r.url(), payload);
    const ftp = await dispatcher.enqueueWebhook(KEY, 'job_9', 'ftp://example.com/x', payload);
    const credentials = await dispatcher.enqueueWebhook(KEY, 'job_10', 'http://user:pa55word@8.8.8.8/hook', payload);
    expect(credentials.target).toBe('http://8.8.8.8/hook');
    // The secret is looked up first: this one fails for want of it.
    const stranger = await dispatcher.enqueueWebhook(OTHER_KEY, 'job_11', r.url(), payload);
    const results = [await settled(store, loopback.id), await settled(store, ftp.id), await settled(store, credentials.id), await settled(store, stranger.id, OTHER_KEY)];
    for (const result of results) expect(result).toMatchObject({ status: 'failed', attempts: 1, lastStatusCode: null });
    expect(results.map((result) => result.lastError)).toEqual([expect.stringMatching(/public address.*127\.0\.0\.1/), expect.stringMatching(/ftp:/), expect.stringMatching(/credentials/), expect.stringMatching(/secret/)]);
    expect(JSON.stringify(results)).not.toContain('pa55word');
    expect(r.connections).toBe(0);
  });

  it('one webhook per job: adding it again returns the first', async () => {
    const r = await receiver();
    const { store, dispatcher } = open();
    const first = await dispatcher.enqueueWebhook(KEY, 'job_12', r.url(), payload);
    const again = await dispatcher.enqueueWebhook(KEY, 'job_12', r.url(), { ...payload, type: 'job.failed' });
    expect(again.id).toBe(first.id);
    await dispatcher.start();
    await settled(store, first.id);
    expect(r.requests).toHaveLength(1);
    expect(verified(r.requests[0]!)).toEqual(payload);
  });
});

describe('forwards', () => {
  const forwardTo = (r: Receiver, path = '/upload/results?sig=s1gn4ture') => ({ forward: { url: r.url(path), apiKey: API_KEY } });

  async function expectForwarded(request: ReceivedRequest, jobId: string) {
    expect(request.method).toBe('POST');
    expect(request.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(Number(request.headers['content-length'])).toBe(request.body.length);
    const form = await parseMultipart(request);
    expect(form.fields).toEqual(metadata(KEY, jobId));
    expect(form.files).toHaveLength(1);
    expect(form.files[0]).toMatchObject({ field: 'file', filename: `mix-${jobId}.wav`, mimeType: 'audio/wav' });
    expect(form.files[0]!.data.equals(file.bytes)).toBe(true);
  }

  it('reaches the receiver with the API key, the exact file bytes and the metadata fields', async () => {
    const r = await receiver();
    const { store, dispatcher } = open({}, forwardTo(r));
    await dispatcher.start();
    const task = await dispatcher.enqueueForward(KEY, 'job_1', true);
    expect(task.id).toMatch(/^fwd_/);
    const done = await settled(store, task.id);
    const [request] = await r.waitFor(1);
    expect(request!.path).toBe('/upload/results?sig=s1gn4ture');
    await expectForwarded(request!, 'job_1');
    expect(done).toMatchObject({ status: 'delivered', attempts: 1, lastStatusCode: 200, lastError: null, bytes: request!.body.length, target: r.url('/upload/results') });
    expect(done.durationMs).toBeGreaterThanOrEqual(0);
    expect((await store.list(KEY, 'forward', 10)).map((t) => t.id)).toEqual([task.id]);
  });

  it('500, 500, then 200: delivered after 3 attempts with bytes, duration and status', async () => {
    const r = await receiver([500, 500, 200]);
    const { store, dispatcher } = open({}, forwardTo(r));
    await dispatcher.start();
    const task = await dispatcher.enqueueForward(KEY, 'job_2', false);
    const done = await settled(store, task.id);
    expect(done).toMatchObject({ status: 'delivered', attempts: 3, lastStatusCode: 200, lastError: null, bytes: r.requests[2]!.body.length });
    expect(done.durationMs).toEqual(expect.any(Number));
    for (const request of r.requests) await expectForwarded(request, 'job_2');
    expect(logs.filter((l) => l.fields?.id === task.id && l.level === 'warn').map((l) => l.fields?.error)).toEqual([expect.stringMatching(/HTTP 500/), expect.stringMatching(/HTTP 500/)]);
  });

  it('a hanging receiver: timeout, then retry', async () => {
    const r = await receiver(['hang', 200]);
    const { store, dispatcher } = open({ forwardTimeoutMs: 300 }, forwardTo(r));
    await dispatcher.start();
    const task = await dispatcher.enqueueForward(KEY, 'job_3', true);
    const done = await settled(store, task.id);
    expect(done).toMatchObject({ status: 'delivered', attempts: 2, lastStatusCode: 200 });
    expect(gaps(r.requests)[0]).toBeGreaterThanOrEqual(300 + SCHEDULE[1]! - 2);
    expect(logs.find((l) => l.fields?.id === task.id && l.level === 'warn')?.fields?.error).toMatch(/within 300 ms/);
    await expectForwarded(r.requests[1]!, 'job_3');
  });

  it('a result that is gone fails at once; automatic forwards are one per job, by hand as many as asked', async () => {
    const r = await receiver();
    const { store, dispatcher } = open({}, { ...forwardTo(r), forwardFile: async () => null });
    const auto = await dispatcher.enqueueForward(KEY, 'job_4', true);
    expect((await dispatcher.enqueueForward(KEY, 'job_4', true)).id).toBe(auto.id);
    const manual = [await dispatcher.enqueueForward(KEY, 'job_4', false), await dispatcher.enqueueForward(KEY, 'job_4', false)];
    expect(new Set([auto.id, ...manual.map((t) => t.id)]).size).toBe(3);
    await dispatcher.start();
    const done = await settled(store, auto.id);
    expect(done).toMatchObject({ status: 'failed', attempts: 1 });
    expect(done.lastError).toMatch(/job_4.*gone/);
    expect(r.connections).toBe(0);
    expect((await rejection(open().dispatcher.enqueueForward(KEY, 'job_4', false))).code).toBe('ERR_FORWARD_NOT_CONFIGURED');
  });

  it('a restart with another FORWARD_URL sends pending forwards (and the key) only to the new one', async () => {
    const old = await receiver();
    const current = await receiver();
    const before = open({}, forwardTo(old));
    const task = await before.dispatcher.enqueueForward(KEY, 'job_5', true);
    await before.dispatcher.close();
    before.db.close();
    const after = open({}, forwardTo(current, '/v2/upload'));
    await after.dispatcher.start();
    const done = await settled(after.store, task.id);
    expect(done).toMatchObject({ status: 'delivered', target: current.url('/v2/upload') });
    expect(old.connections).toBe(0);
    await expectForwarded(current.requests[0]!, 'job_5');
  });

  it('testForward reports whether <origin>/health answers', async () => {
    const r = await receiver([200, 503]);
    const { dispatcher } = open({}, forwardTo(r));
    const live = await dispatcher.testForward();
    expect(live).toMatchObject({ reachable: true, statusCode: 200, error: null });
    expect(live.durationMs).toBeGreaterThanOrEqual(0);
    expect(r.requests[0]!.path).toBe('/health');
    expect(r.requests[0]!.method).toBe('GET');
    const unhealthy = await dispatcher.testForward();
    expect(unhealthy).toMatchObject({ reachable: false, statusCode: 503 });
    expect(unhealthy.error).toMatch(/HTTP 503/);
    await r.stop();
    const stopped = await dispatcher.testForward();
    expect(stopped).toMatchObject({ reachable: false, statusCode: null });
    expect(stopped.error).toMatch(/ECONNREFUSED/);
    expect(await open().dispatcher.testForward()).toMatchObject({ reachable: false, statusCode: null, error: expect.stringMatching(/configured/) });
    const privateOnly = await open({ allowPrivate: false }, forwardTo(r)).dispatcher.testForward();
    expect(privateOnly).toMatchObject({ reachable: false, error: expect.stringMatching(/public address/) });
  });
});

describe('durability', () => {
  it('tasks pending or being sent when the dispatcher stops are sent by the next one on the same database (at least once)', async () => {
    const r = await receiver(['hang']);
    const sources = { forward: { url: r.url('/upload'), apiKey: API_KEY } };
    const first = open({ concurrency: 1, webhookTimeoutMs: 10_000 }, sources);
    await first.dispatcher.start();
    const webhook = await first.dispatcher.enqueueWebhook(KEY, 'job_1', r.url(), { type: 'job.completed', data: { id: 'job_1' } });
    const forward = await first.dispatcher.enqueueForward(KEY, 'job_2', true);
    await r.waitFor(1);
    expect((await first.store.get(KEY, webhook.id))!.status).toBe('sending');
    expect((await first.store.get(KEY, forward.id))!.status).toBe('pending');
    await first.dispatcher.close();
    first.db.close();

    const second = open({ concurrency: 1 }, sources);
    expect((await second.store.get(KEY, webhook.id))!.status).toBe('sending');
    await second.dispatcher.start();
    const done: DeliveryRecord[] = [await settled(second.store, webhook.id), await settled(second.store, forward.id)];
    expect(done.map((d) => d.status)).toEqual(['delivered', 'delivered']);
    await second.dispatcher.idle();
    const webhookRequests = r.requests.filter((q) => q.headers['webhook-id'] === webhook.id);
    expect(webhookRequests).toHaveLength(2);
    for (const request of webhookRequests) expect(verified(request)).toEqual({ type: 'job.completed', data: { id: 'job_1' } });
    const forwards = r.requests.filter((q) => q.path === '/upload');
    expect(forwards).toHaveLength(1);
    expect((await parseMultipart(forwards[0]!)).files[0]!.data.equals(file.bytes)).toBe(true);
    expect(logs.some((l) => l.fields?.recovered === 1)).toBe(true);
  });
});
