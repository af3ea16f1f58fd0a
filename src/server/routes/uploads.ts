// Uploads: one audio file per request in field `file`, streamed to disk, checked by content,
// stored as `uploads/<uuid>.<ext>`; then read back, linked and deleted by their owner only.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { rm } from 'node:fs/promises';
import { MixchainError } from '../../errors.js';
import { DEFAULT_MAX_SECONDS } from '../../audio/audio-file.js';
import { keyIdOf } from '../plugins/auth.js';
import { uploadNotFound } from '../../storage/uploads.js';
import { probeReceived, receiveFile, storeUpload, tooManyParts, type ReceivedFile } from '../receive-file.js';
import { IdParams, errorResponses } from '../schemas/common.js';
import { StorageStatus, UploadCreated } from '../schemas/uploads.js';
import { uploadView, originOf } from '../views.js';
import { Type } from 'typebox';

const tags = ['uploads'];
const security = [{ apiKey: [] }];

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const { services } = app;
  const { config } = services;

  app.post(
    '/uploads/media',
    {
      schema: {
        tags,
        security,
        summary: 'Upload an audio file (multipart, field `file`): checked by content, not by name or type',
        consumes: ['multipart/form-data'],
        response: { 201: UploadCreated, ...errorResponses(400, 401, 413, 415, 422, 429) },
      },
    },
    async (request, reply) => {
      const limits = { fileSize: config.maxUploadMb * 1024 * 1024, files: 1, fields: 0, parts: 1 };
      // Read to the end of the body, so a second part is refused (the parser's limits) rather than ignored.
      let received: ReceivedFile | null = null;
      try {
        for await (const part of request.parts({ limits })) {
          if (part.type !== 'file' || part.fieldname !== 'file') {
            if (part.type === 'file') part.file.resume();
            throw new MixchainError('ERR_VALIDATION', `Expected the file in field \`file\` but it came in \`${part.fieldname.slice(0, 64)}\``, { details: { errors: [{ path: '/file', message: 'is required' }] } });
          }
          received = await receiveFile(part, services.storage.scratchDir, config.maxUploadMb);
        }
      } catch (error) {
        if (received) await rm(received.path, { force: true });
        if ((error as { code?: string }).code === 'FST_INVALID_MULTIPART_CONTENT_TYPE') throw new MixchainError('ERR_UNSUPPORTED_MEDIA_TYPE', 'Expected a multipart/form-data body with the audio in field `file`');
        throw tooManyParts(error, 'one file in field `file` and no other part');
      }
      if (!received) throw new MixchainError('ERR_VALIDATION', 'Expected a file in multipart field `file` but the body holds none', { details: { errors: [{ path: '/file', message: 'is required' }] } });
      app.metrics.uploadBytes.inc(received.size);
      const probe = await probeReceived(received, DEFAULT_MAX_SECONDS);
      const record = await services.uploads.add(await storeUpload(received, probe, { storage: services.storage, keyId: keyIdOf(request), retentionDays: config.uploadRetentionDays }));
      return reply.code(201).send({ ...(await uploadView(originOf(request), services, record)), peaks: probe.peaks });
    },
  );

  app.get('/uploads/status', { schema: { tags, security, summary: 'Where uploaded files are stored, and whether the bucket keeps up', response: { 200: StorageStatus, ...errorResponses(401) } } }, async () => {
    const stats = services.storage.stats();
    const waiting = stats.bucketReachable === false ? `The bucket is not reachable (${stats.lastError ?? 'no answer'}): files are kept in the local cache and uploaded when it returns` : null;
    return { ...services.storage.status(), bucketReachable: stats.bucketReachable, pendingUploads: stats.pendingUploads, warning: config.storageWarning ?? waiting };
  });

  app.get('/uploads/:id', { schema: { tags, security, summary: "An upload's metadata and download link", params: IdParams, response: { 200: Type.Ref('Upload'), ...errorResponses(401, 404) } } }, async (request) => {
    const upload = await services.uploads.get(keyIdOf(request), request.params.id);
    if (!upload) throw uploadNotFound(request.params.id);
    return uploadView(originOf(request), services, upload);
  });

  app.delete('/uploads/:id', { schema: { tags, security, summary: 'Delete an upload and its file', params: IdParams, response: { 204: Type.Null(), ...errorResponses(401, 404) } } }, async (request, reply) => {
    const upload = await services.uploads.remove(keyIdOf(request), request.params.id);
    if (!upload) throw uploadNotFound(request.params.id);
    await services.storage.delete(upload.key);
    return reply.code(204).send(null);
  });
};

export default routes;
