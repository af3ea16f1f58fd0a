// `mixchain serve`: builds the app, makes the first API key when there is none (printed once,
// never logged), listens, and shuts down gracefully on SIGTERM/SIGINT: readiness fails, no new
// work is taken, running renders get MIXCHAIN_SHUTDOWN_GRACE_S, what is left is queued again.
import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppOptions } from './app.js';

export interface Started {
  app: FastifyInstance;
  url: string;
  /** The key made because there was none, shown once. */
  firstKey: string | null;
}

export async function startServer(options: AppOptions = {}, announce: (text: string) => void = (text) => process.stderr.write(text)): Promise<Started> {
  const app = await buildApp(options);
  const { config, keys, webhooks } = app.services;
  let firstKey: string | null = null;
  // Made only if no active key exists, in one step: of API nodes starting together, one makes it.
  const created = await keys.createFirst('first key');
  if (created) {
    const secret = await webhooks.newSecret(created.id);
    firstKey = created.key;
    announce(
      `mixchain: no API key existed, so one was made (${created.id}). It and its webhook signing secret are shown only this once:\n\n  ${created.key}\n  ${secret}\n\nUse the key as "Authorization: Bearer <key>"; manage keys with mixchain keys create|list|revoke|webhook.\n\n`,
    );
  }
  const url = await app.listen({ port: config.port, host: config.host });
  // Links in webhooks point where the service listens, unless MIXCHAIN_PUBLIC_URL says otherwise.
  if (!config.publicUrl) app.services.origin = url;
  // The grace covers the renders' own grace plus a moment to close connections.
  closeWithGrace({ delay: (config.shutdownGraceSeconds + 10) * 1000, logger: false }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an uncaught error');
    else app.log.info({ signal }, 'shutting down: finishing running renders');
    await app.close();
  });
  return { app, url, firstKey };
}
