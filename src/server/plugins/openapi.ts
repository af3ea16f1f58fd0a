// The API reference from the route schemas: the OpenAPI 3.1 document at /openapi.json and a
// browsable reference at /docs.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { packageVersion } from '../../package-dir.js';
import { Problem } from '../schemas/common.js';
import { ForwardTask } from '../schemas/forwards.js';
import { Job } from '../schemas/jobs.js';
import { Upload } from '../schemas/uploads.js';

export default fp(async function openapi(app: FastifyInstance) {
  app.addSchema(Problem);
  app.addSchema(Upload);
  app.addSchema(Job);
  app.addSchema(ForwardTask);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'mixchain', description: 'Vocal mixes over HTTP: uploads, synchronous mixes and jobs with live progress, signed webhooks and forwarding of results', version: packageVersion },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key (mck_…) from `mixchain keys create`' } } },
      tags: [
        { name: 'mixes', description: 'Synchronous mixes' },
        { name: 'jobs', description: 'Mixes as background jobs, with live progress' },
        { name: 'uploads', description: 'Audio files to mix' },
        { name: 'forwards', description: 'Results sent on to a remote processing server' },
        { name: 'service', description: 'What the service offers' },
        { name: 'operations', description: 'Health, readiness, statistics and metrics' },
      ],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { tags: ['operations'], summary: 'This OpenAPI document' } }, async () => app.swagger());
});
