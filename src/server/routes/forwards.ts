// Forwards: finished mixes sent to the remote processing server (FORWARD_URL + FORWARD_PATH), by
// hand here or automatically (FORWARD_AUTO, or a job's `forward: true`). Tasks are durable and
// retried by the delivery dispatcher; each key sees only its own.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { MixchainError } from '../../errors.js';
import { shownTarget } from '../../delivery/delivery-store.js';
import { forwardNotConfigured } from '../../delivery/dispatcher.js';
import { keyIdOf } from '../plugins/auth.js';
import { jobNotFound } from '../not-found.js';
import { errorResponses } from '../schemas/common.js';
import { ForwardRequest, ForwardStatus, ForwardTest } from '../schemas/forwards.js';
import { strictBody } from '../strict-body.js';
import { forwardView } from '../views.js';

const tags = ['forwards'];
const security = [{ apiKey: [] }];
const TaskRef = Type.Ref('ForwardTask');



const routes: FastifyPluginAsyncTypebox = async (app) => {
  const { services } = app;
  const { config, deliveries, dispatcher } = services;

  app.post(
    '/forwards',
    {
      schema: { tags, security, summary: "Send a completed job's result to the forwarding endpoint", body: ForwardRequest, response: { 202: TaskRef, ...errorResponses(400, 401, 404, 409) } },
      preValidation: strictBody(ForwardRequest, 'a body { jobId }'),
    },
    async (request, reply) => {
      if (!config.forward) throw forwardNotConfigured();
      const keyId = keyIdOf(request);
      const job = await services.queue.get(keyId, request.body.jobId);
      if (!job) throw jobNotFound(request.body.jobId);
      if (job.status !== 'completed') throw new MixchainError('ERR_JOB_NOT_FINISHED', `Expected a completed job but job ${job.id} is ${job.status}`);
      const task = await dispatcher.enqueueForward(keyId, job.id, false);
      return reply.code(202).header('Location', `/api/v1/forwards/${task.id}`).send(forwardView(task));
    },
  );

  app.get(
    '/forwards',
    {
      schema: {
        tags,
        security,
        summary: "The caller's forward tasks, newest first",
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10 })) }, { additionalProperties: false }),
        response: { 200: Type.Object({ items: Type.Array(TaskRef) }), ...errorResponses(400, 401) },
      },
    },
    async (request) => ({ items: (await deliveries.list(keyIdOf(request), 'forward', request.query.limit ?? 10)).map(forwardView) }),
  );

  app.get('/forwards/status', { schema: { tags, security, summary: 'Whether forwarding is configured, where to, automatic or not, and the caller’s tasks by status', response: { 200: ForwardStatus, ...errorResponses(401) } } }, async (request) => ({
    configured: config.forward !== null,
    url: config.forward ? shownTarget(config.forward.url) : null,
    auto: config.forward?.auto ?? false,
    apiKeySet: Boolean(config.forward?.apiKey),
    counts: await deliveries.counts('forward', keyIdOf(request)),
  }));

  app.get('/forwards/test', { schema: { tags, security, summary: "Whether the forwarding endpoint's /health answers", response: { 200: ForwardTest, ...errorResponses(401, 409) } } }, async () => {
    if (!config.forward) throw forwardNotConfigured();
    return dispatcher.testForward();
  });

  app.get(
    '/forwards/:taskId',
    { schema: { tags, security, summary: 'A forward task: status, attempts, last error and response code, bytes, duration', params: Type.Object({ taskId: Type.String({ minLength: 1, maxLength: 64 }) }), response: { 200: TaskRef, ...errorResponses(401, 404) } } },
    async (request) => {
      const task = await deliveries.get(keyIdOf(request), request.params.taskId);
      if (!task || task.kind !== 'forward') throw new MixchainError('ERR_FORWARD_NOT_FOUND', `Expected a forward task of this key with id '${request.params.taskId.slice(0, 64)}' but there is none`);
      return forwardView(task);
    },
  );
};

export default routes;
