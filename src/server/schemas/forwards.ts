import { Type } from 'typebox';
import { Nullable } from './common.js';

export const DeliveryStatus = Type.Union(['pending', 'sending', 'delivered', 'failed'].map((s) => Type.Literal(s)));

/** A delivery as a job lists it. */
export const Delivery = Type.Object({
  kind: Type.Union([Type.Literal('webhook'), Type.Literal('forward')]),
  target: Type.String({ description: 'Where it goes, without credentials or query' }),
  status: DeliveryStatus,
  attempts: Type.Integer(),
  lastStatusCode: Nullable(Type.Integer()),
  lastError: Nullable(Type.String()),
  updatedAt: Type.String(),
});

export const ForwardTask = Type.Object(
  {
    taskId: Type.String(),
    jobId: Type.String(),
    ...Delivery.properties,
    createdAt: Type.String(),
    nextAttemptAt: Nullable(Type.String({ description: 'When the next attempt runs, while pending' })),
    bytes: Nullable(Type.Integer({ description: 'Bytes sent by the last attempt' })),
    durationMs: Nullable(Type.Integer({ description: 'How long the last attempt took' })),
  },
  { $id: 'ForwardTask' },
);

export const ForwardRequest = Type.Object({ jobId: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });

const Counts = Type.Object({ pending: Type.Integer(), sending: Type.Integer(), delivered: Type.Integer(), failed: Type.Integer() });

export const ForwardStatus = Type.Object({
  configured: Type.Boolean(),
  url: Nullable(Type.String({ description: 'FORWARD_URL + FORWARD_PATH, without credentials or query' })),
  auto: Type.Boolean({ description: 'Every completed job is forwarded (FORWARD_AUTO)' }),
  apiKeySet: Type.Boolean(),
  counts: Counts,
});

export const ForwardTest = Type.Object({
  reachable: Type.Boolean(),
  statusCode: Nullable(Type.Integer()),
  durationMs: Type.Integer(),
  error: Nullable(Type.String()),
});
