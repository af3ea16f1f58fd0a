// Signed links to stored files (/files/<token>): no API key, until the link expires. The token
// names the file; nothing else in the path is read.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { MixchainError } from '../../errors.js';
import { errorResponses, fileResponses } from '../schemas/common.js';
import { contentTypeOf } from '../../storage/content-types.js';
import { sendFile } from '../send-file.js';

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const { services } = app;
  app.get(
    '/files/:token',
    { schema: { tags: ['uploads'], summary: 'A stored file by its signed, expiring link (no key needed)', params: Type.Object({ token: Type.String({ maxLength: 2048 }) }), response: { ...fileResponses, ...errorResponses(404, 416) } } },
    async (request, reply) => {
      const link = services.links.verify(request.params.token);
      const path = link ? await services.storage.localPath(link.key) : null;
      const stat = link && path ? await services.storage.stat(link.key) : null;
      if (!link || !path || !stat) throw new MixchainError('ERR_NOT_FOUND', 'Expected a valid, unexpired file link but this one is not (links expire; ask the API for a new one)');
      return sendFile(request, reply, path, stat.size, contentTypeOf(link.key.split('.').pop()!), link.filename);
    },
  );
};

export default routes;
