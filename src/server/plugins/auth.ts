// API keys: `Authorization: Bearer mck_…` on the routes of the scope this is registered in.
// The request then carries its key's id; every resource is looked up with it, so another key's
// ids answer 404.
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MixchainError } from '../../errors.js';
import type { ApiKey } from '../../storage/keys.js';

declare module 'fastify' {
  interface FastifyRequest {
    apiKey: ApiKey | null;
  }
}

/** The caller's key id (only on routes behind `authenticate`). */
export function keyIdOf(request: FastifyRequest): string {
  return request.apiKey!.id;
}

export const authenticate = fp(async function auth(app: FastifyInstance) {
  if (!app.hasRequestDecorator('apiKey')) app.decorateRequest('apiKey', null);
  app.addHook('onRequest', async (request, reply) => {
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    const key = match ? await app.services.keys.verify(match[1]!) : null;
    if (!key) {
      reply.header('WWW-Authenticate', 'Bearer realm="mixchain"');
      throw new MixchainError('ERR_UNAUTHORIZED', header ? 'Expected a valid, unrevoked API key in Authorization: Bearer <key> but the key given is not one' : 'Expected an API key in Authorization: Bearer <key> but the request has none');
    }
    request.apiKey = key;
    request.log = request.log.child({ keyId: key.id });
  });
});
