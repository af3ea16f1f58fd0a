import { Type } from 'typebox';
import { JOB_STATUSES } from '../../jobs/queue.js';
import { Nullable } from './common.js';
import { Delivery } from './forwards.js';
import { mixOptionProperties } from './mix-options.js';

const uploadId = (what: string) => Type.String({ minLength: 1, maxLength: 64, description: `Upload id of the ${what}` });

/** A mix from uploads: the body of a JSON synchronous mix. */
export const MixFromUploads = Type.Object(
  {
    vocal: uploadId('vocal'),
    beat: Type.Optional(Nullable(uploadId('beat'))),
    extras: Type.Optional(Type.Array(uploadId('extra vocal'), { maxItems: 8 })),
    ...mixOptionProperties,
  },
  { additionalProperties: false },
);

export const JobSubmission = Type.Object(
  {
    ...MixFromUploads.properties,
    webhookUrl: Type.Optional(Nullable(Type.String({ format: 'uri', maxLength: 2048 }))),
    forward: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const JobStatus = Type.Union(JOB_STATUSES.map((s) => Type.Literal(s)));


export const JobResultView = Type.Object({ url: Type.String(), size: Type.Integer(), format: Type.String() });

export const Job = Type.Object(
  {
    id: Type.String(),
    status: JobStatus,
    progress: Type.Integer({ minimum: 0, maximum: 100 }),
    stage: Nullable(Type.String()),
    attempts: Type.Integer(),
    createdAt: Type.String(),
    startedAt: Nullable(Type.String()),
    finishedAt: Nullable(Type.String()),
    expiresAt: Nullable(Type.String()),
    options: Type.Object({}, { additionalProperties: true }),
    report: Nullable(Type.Object({}, { additionalProperties: true })),
    result: Nullable(JobResultView),
    error: Nullable(Type.Object({ code: Type.String(), message: Type.String() })),
    deliveries: Type.Array(Delivery),
  },
  { $id: 'Job' },
);

export const JobList = Type.Object({ items: Type.Array(Type.Ref('Job')), nextCursor: Nullable(Type.String()) });

export const JobListQuery = Type.Object(
  {
    status: Type.Optional(JobStatus),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
