// A job's progress as Server-Sent Events: `progress` events, then one `completed`, `failed` or
// `cancelled` carrying the job, then the stream ends. Each event has the id of the queue's event
// log, so a client that reconnects with Last-Event-ID gets exactly what it missed. Subscribed
// before the backlog is read, so nothing falls between the two; a comment every 15 s keeps
// proxies from closing a quiet stream, and the log is read again then, in case a notification
// was lost.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { FINISHED_STATUSES, type JobEvent } from '../../jobs/queue.js';
import { keyIdOf } from '../plugins/auth.js';
import { jobNotFound } from '../not-found.js';
import { IdParams, errorResponses } from '../schemas/common.js';
import { jobView, originOf } from '../views.js';

const HEARTBEAT_MS = 15_000;

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const { services } = app;
  const { queue } = services;

  app.get(
    '/jobs/:id/events',
    {
      schema: {
        tags: ['jobs'],
        security: [{ apiKey: [] }],
        summary: "The job's progress as Server-Sent Events (Last-Event-ID resumes)",
        params: IdParams,
        headers: Type.Object({ 'last-event-id': Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })) }),
        response: { 200: { description: 'text/event-stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }, ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const keyId = keyIdOf(request);
      const { id } = request.params;
      const after = Number(request.headers['last-event-id'] ?? 0);
      const live: JobEvent[] = [];
      let deliver: ((event: JobEvent) => void) | null = null;
      const unsubscribe = queue.subscribe((event) => {
        if (event.jobId !== id) return;
        if (deliver) deliver(event);
        else live.push(event);
      });
      const backlog = await queue.events(keyId, id, after);
      if (!backlog) {
        unsubscribe();
        throw jobNotFound(id);
      }

      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
      let lastId = after;
      let ended = false;
      // Each heartbeat also reads the log after the last event sent: an event whose notification
      // was lost (distributed mode, Redis pub/sub briefly away) arrives late, never not at all.
      const heartbeat = setInterval(() => {
        raw.write(': heartbeat\n\n');
        queue.events(keyId, id, lastId).then(
          (missed) => missed?.forEach((event) => send(event)),
          () => {},
        );
      }, HEARTBEAT_MS);
      const end = () => {
        if (ended) return;
        ended = true;
        clearInterval(heartbeat);
        unsubscribe();
        raw.end();
      };
      raw.once('close', end);

      // Terminal events carry the job as it is now; events are written in id order, one at a time.
      let writing = Promise.resolve();
      const send = (event: JobEvent) => {
        writing = writing.then(async () => {
          if (ended || event.id <= lastId) return;
          lastId = event.id;
          const terminal = event.type !== 'progress';
          const data = terminal ? await finalJob() : { progress: event.progress, stage: event.stage, attempt: event.attempt };
          if (data === null) return end();
          raw.write(`id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(data)}\n\n`);
          if (terminal) end();
        });
      };
      const finalJob = async () => {
        const job = await queue.get(keyId, id);
        return job ? jobView(originOf(request), services, job) : null;
      };

      for (const event of backlog) send(event);
      for (const event of live) send(event);
      deliver = send;
      // A finished job whose final event the client already had still answers it, then ends.
      const job = await queue.get(keyId, id);
      if (job && FINISHED_STATUSES.includes(job.status) && !backlog.concat(live).some((e) => e.type !== 'progress')) {
        writing = writing.then(async () => {
          if (ended) return;
          raw.write(`id: ${lastId}\nevent: ${job.status}\ndata: ${JSON.stringify(await jobView(originOf(request), services, job))}\n\n`);
          end();
        });
      }
    },
  );
};

export default routes;
