// Opens the services the routes stand on (database, storage, pool, runner) and closes them when
// the app closes. Shutdown begins before the HTTP server stops: readiness fails at once and the
// runner starts giving running jobs their grace while requests in flight finish.
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { ServerConfig } from '../config.js';
import { openServices, type Services } from '../services.js';

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
  }
}

export default fp(async function services(app: FastifyInstance, options: { config: ServerConfig }) {
  const log = app.log.child({ component: 'services' });
  const services = await openServices(options.config, (level, message, fields) => log[level](fields ?? {}, message));
  app.decorate('services', services);
  let closing: Promise<void> | null = null;
  app.addHook('preClose', async () => {
    services.draining = true;
    closing ??= services.close();
  });
  // Node closes the connections that are idle when the server closes, not those that become idle
  // later: the keep-alive connection of a mix answered during shutdown would hold the close (and
  // the exit) until the grace runs out. An answer sent while draining closes its connection.
  app.addHook('onSend', async (_request, reply) => {
    if (services.draining) reply.header('connection', 'close');
  });
  app.addHook('onClose', async () => {
    closing ??= services.close();
    await closing;
  });
});
