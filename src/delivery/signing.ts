// Standard Webhooks signatures (symmetric scheme): HMAC-SHA256 over `id.timestamp.body` with the
// secret's bytes, the secret shown as `whsec_` + base64. Receivers verify with any Standard
// Webhooks library.
import { createHmac, randomBytes } from 'node:crypto';

const PREFIX = 'whsec_';

/** 'whsec_' + base64(32 random bytes). */
export function newWebhookSecret(): string {
  return PREFIX + randomBytes(32).toString('base64');
}

/** The `webhook-signature` value for one attempt: 'v1,<base64>'. `body` is the exact bytes sent. */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}
