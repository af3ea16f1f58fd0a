// The service as a Fastify app, without listening (start.ts listens): one plugin per concern,
// one route file per resource. `buildApp` is also the library's way to embed the service.
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import multipart from '@fastify/multipart';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { resolveConfig, type ServerConfig } from './config.js';
import { authenticate } from './plugins/auth.js';
import errors from './plugins/errors.js';
import loadShedding from './plugins/load-shedding.js';
import metrics from './plugins/metrics.js';
import openapi from './plugins/openapi.js';
import { limitPerKey } from './plugins/rate-limit.js';
import redisAway from './plugins/redis-away.js';
import services from './plugins/services.js';
import { problem } from './problem.js';
import filesRoutes from './routes/files.js';
import forwardRoutes from './routes/forwards.js';
import healthRoutes from './routes/health.js';
import infoRoutes from './routes/info.js';
import jobEventRoutes from './routes/job-events.js';
import jobRoutes from './routes/jobs.js';
import mixRoutes from './routes/mix.js';
import pageRoutes from './routes/page.js';
import recipeRoutes from './routes/recipes.js';
import uploadRoutes from './routes/uploads.js';

export interface AppOptions extends Partial<ServerConfig> {
  /** Pino options, or false for none. Default: JSON lines at the configured level. */
  logger?: FastifyServerOptions['logger'];
  /** Environment to read the configuration from. Default: process.env. */
  env?: NodeJS.ProcessEnv;
}

/** Answers what fails before routing (oversized headers, malformed requests) as problem+json too. */
function clientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const status = tooLarge ? 431 : 400;
  const body = JSON.stringify(problem(status, tooLarge ? 'ERR_HEADERS_TOO_LARGE' : 'ERR_MALFORMED_REQUEST', tooLarge ? 'Expected request headers of at most 16 kB' : 'Expected a well-formed HTTP request'));
  socket.end(`HTTP/1.1 ${status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

// Signed file links are credentials: never in the logs.
const redactUrl = (url: string) => url.replace(/\/files\/[^/?#]+/, '/files/[redacted]');

export async function buildApp(options: AppOptions = {}): Promise<FastifyInstance> {
  const { logger, env, ...overrides } = options;
  const config = resolveConfig(overrides, env);
  const app = Fastify({
    logger: logger ?? {
      level: config.logLevel,
      redact: ['req.headers.authorization', 'req.headers.cookie'],
      serializers: { req: (req) => ({ method: req.method, url: redactUrl(req.url), remoteAddress: req.ip }) },
    },
    genReqId: () => randomUUID(),
    ajv: { customOptions: { removeAdditional: false, allErrors: true, coerceTypes: 'array', useDefaults: true } },
    routerOptions: { maxParamLength: 2048 },
    clientErrorHandler: clientError,
    // Requests that arrive while closing get our problem+json 503 (plugins/load-shedding.ts).
    return503OnClosing: false,
    forceCloseConnections: 'idle',
  }).withTypeProvider<TypeBoxTypeProvider>();

  // No route takes plain text: such a body is 415, as any type a route does not take (Fastify would
  // parse it and hand a string to the routes' validation instead).
  app.removeContentTypeParser('text/plain');
  await app.register(errors);
  await app.register(services, { config });
  // OpenAPI first: it documents only the routes registered after it, /metrics among them.
  await app.register(openapi);
  await app.register(metrics, { source: app.services });
  await app.register(loadShedding);
  await app.register(multipart, { limits: { fileSize: config.maxUploadMb * 1024 * 1024, headerPairs: 100 } });

  await app.register(healthRoutes);
  await app.register(filesRoutes);
  await app.register(pageRoutes);
  await app.register(
    async (api) => {
      await api.register(infoRoutes);
      await api.register(async (authed) => {
        await authed.register(redisAway);
        await authed.register(authenticate);
        await authed.register(limitPerKey);
        await authed.register(uploadRoutes);
        await authed.register(mixRoutes);
        await authed.register(jobRoutes);
        await authed.register(jobEventRoutes);
        await authed.register(recipeRoutes);
        await authed.register(forwardRoutes);
      });
    },
    { prefix: '/api/v1' },
  );
  return app;
}
