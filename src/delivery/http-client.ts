// One outbound HTTP exchange for deliveries, with the safety the targets need at connect time:
// the socket connects only to addresses that pass the private-address check (a `lookup` hook, so
// a name cannot resolve to a public address for the check and a private one for the connection),
// redirects are answered, never followed, and one timer bounds the whole exchange. Errors show the
// target without credentials or query and never a header (the Authorization header holds a key).
import type { IncomingHttpHeaders } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MixchainError } from '../errors.js';
import { packageVersion } from '../package-dir.js';
import { describeError } from '../sync/storage.js';
import { displayTarget, hostOf, resolveTarget } from './targets.js';

export interface OutboundRequest {
  url: URL;
  method: 'GET' | 'POST';
  headers: Record<string, string | number>;
  /** Sent as is; a stream is piped (never read whole into memory). */
  body?: Buffer | Readable;
  /** Bounds the whole exchange: connecting, sending the body, the answer. */
  timeoutMs: number;
  allowPrivate: boolean;
  /** Abandons the exchange (ERR_DELIVERY_ABORTED). */
  signal?: AbortSignal;
}

export interface OutboundResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  durationMs: number;
  /** Body bytes handed to the connection. */
  bytesSent: number;
}

// The answer's body is only drained (its status is what counts); a receiver streaming without end
// is cut off here rather than held until the timeout.
const MAX_ANSWER_BYTES = 64 * 1024;
const USER_AGENT = `mixchain/${packageVersion}`;

const guardedLookup =
  (allowPrivate: boolean): LookupFunction =>
  (hostname, options, callback) => {
    const family = options.family === 4 || options.family === 6 ? options.family : 0;
    resolveTarget(hostname, allowPrivate, family).then(
      (addresses) => {
        if (options.all) callback(null, addresses);
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };

/**
 * Sends one request and resolves with the answer's status and headers once its body has been
 * drained; any status (3xx included) is an answer. Rejects with ERR_TARGET_PRIVATE (nothing was
 * sent), ERR_DELIVERY_TIMEOUT, ERR_DELIVERY_ABORTED or ERR_DELIVERY_FAILED (no answer), each with
 * `details` { bytesSent, durationMs }.
 */
export async function sendRequest(request: OutboundRequest): Promise<OutboundResponse> {
  const { url, body } = request;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const target = displayTarget(url);
  // An address in the URL is connected to without a lookup, so the hook would not see it.
  if (isIP(hostOf(url))) {
    try {
      await resolveTarget(hostOf(url), request.allowPrivate);
    } catch (error) {
      if (body instanceof Readable) body.destroy();
      throw error;
    }
  }
  return new Promise((resolve, reject) => {
    let bytesSent = 0;
    let settled = false;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, { method: request.method, headers: { 'user-agent': USER_AGENT, ...request.headers }, agent: false, lookup: guardedLookup(request.allowPrivate) });
    const fail = (code: string, message: string, cause?: unknown) => new MixchainError(code, message, { cause, details: { bytesSent, durationMs: elapsed() } });
    const settle = (error: unknown, answer?: OutboundResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', abort);
      req.destroy();
      if (body instanceof Readable) body.destroy();
      if (answer) resolve(answer);
      else if (error instanceof MixchainError) reject(error);
      else {
        // Trying each address of a name (IPv6, then IPv4) fails as one AggregateError with no message of its own.
        const reason = error instanceof AggregateError && error.errors.length ? error.errors.at(-1) : error;
        reject(fail('ERR_DELIVERY_FAILED', `Expected an answer from ${target} but ${describeError(reason)}`, error));
      }
    };
    const timer = setTimeout(() => settle(fail('ERR_DELIVERY_TIMEOUT', `Expected an answer from ${target} within ${request.timeoutMs} ms but none came in time`)), request.timeoutMs);
    timer.unref();
    const abort = () => settle(fail('ERR_DELIVERY_ABORTED', `Expected an answer from ${target} but the delivery was stopped`));
    if (request.signal?.aborted) return abort();
    request.signal?.addEventListener('abort', abort, { once: true });

    req.on('error', (error) => settle(error));
    req.on('response', (res) => {
      let received = 0;
      const answered = () => settle(null, { statusCode: res.statusCode ?? 0, headers: res.headers, durationMs: elapsed(), bytesSent });
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > MAX_ANSWER_BYTES) answered();
      });
      // A body cut short does not change the status the receiver gave.
      res.on('error', answered);
      res.on('end', answered);
    });

    if (body === undefined) req.end();
    else if (Buffer.isBuffer(body)) {
      req.end(body, () => (bytesSent = body.length));
    } else {
      const count = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          bytesSent += chunk.length;
          done(null, chunk);
        },
      });
      // A failing body (a read error) destroys the request, which reports through 'error'.
      pipeline(body, count, req).catch((error: unknown) => settle(error));
    }
  });
}
