// Each API key's webhook settings: the `whsec_` secret its webhooks are signed with (shown once,
// when made; kept in the clear because signing needs it, and never shown or logged again) and
// an optional default URL for jobs that name none. Kept in SQLite (sqlite-key-webhooks.ts) or,
// when several nodes share them, in Redis (redis-key-webhooks.ts).

export interface KeyWebhooks {
  /** A new secret for the key (the previous one stops signing at once); the only time it is shown. */
  newSecret(keyId: string): Promise<string>;
  /** Sets (or, with null, clears) the key's default webhook URL; a key without a secret gets one. */
  setUrl(keyId: string, url: string | null): Promise<void>;
  secret(keyId: string): Promise<string | null>;
  defaultUrl(keyId: string): Promise<string | null>;
}
