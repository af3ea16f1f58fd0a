// One webhook attempt: the stored body (the same bytes every attempt), signed per Standard
// Webhooks with the key's current secret; the task id is the webhook-id receivers dedupe on.
import { MixchainError } from '../errors.js';
import type { DeliveryTask } from './delivery-store.js';
import type { SendContext } from './dispatcher.js';
import { sendRequest, type OutboundResponse } from './http-client.js';
import { signWebhook } from './signing.js';
import { parseTarget } from './targets.js';

export async function sendWebhook(task: DeliveryTask, context: SendContext): Promise<OutboundResponse> {
  const secret = await context.sources.webhookSecret(task.keyId);
  if (!secret) throw new MixchainError('ERR_WEBHOOK_NO_SECRET', `Expected a webhook signing secret for key ${task.keyId} but it has none (a key made before webhooks existed: mixchain keys webhook ${task.keyId} --new-secret makes one)`);
  const url = parseTarget(task.url);
  const body = task.payload ?? '';
  const timestamp = Math.floor(Date.now() / 1000);
  return sendRequest({
    url,
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      'webhook-id': task.id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signWebhook(secret, task.id, timestamp, body),
    },
    body: Buffer.from(body),
    timeoutMs: context.options.webhookTimeoutMs,
    allowPrivate: context.options.allowPrivate,
    signal: context.signal,
  });
}
