import { Type } from 'typebox';
import { Nullable } from './common.js';

export const Upload = Type.Object(
  {
    id: Type.String(),
    key: Type.String({ description: 'Storage key, made by the server: uploads/<uuid>.<ext>' }),
    url: Type.String({ description: 'Downloads the file without the API key until it expires' }),
    filename: Nullable(Type.String({ description: "The client's filename, metadata only" })),
    mimetype: Type.String({ description: 'By content, not as declared' }),
    size: Type.Integer(),
    durationSeconds: Type.Number(),
    sampleRate: Type.Integer(),
    channels: Type.Integer(),
    createdAt: Type.String(),
    expiresAt: Type.String(),
  },
  { $id: 'Upload' },
);

const Series = (description: string) => Type.Array(Type.Number(), { description });

/** An upload as its upload answers it: the record plus its waveform's peaks, for drawing at once. */
export const UploadCreated = Type.Intersect([
  Type.Ref('Upload'),
  Type.Object({
    peaks: Type.Object(
      {
        bucketSeconds: Type.Number({ description: 'The length of each stretch the series describe' }),
        min: Series('The lowest sample of each stretch, across channels (-1…1)'),
        max: Series('The highest sample of each stretch, across channels (-1…1)'),
        rms: Series('The RMS of each stretch'),
      },
      { description: 'The waveform in up to 1000 stretches, gathered while the file was decoded' },
    ),
  }),
]);

export const StorageStatus = Type.Object({
  r2Configured: Type.Boolean(),
  provider: Type.Union([Type.Literal('cloudflare-r2'), Type.Literal('s3'), Type.Literal('local')]),
  bucket: Nullable(Type.String()),
  publicUrl: Nullable(Type.String()),
  bucketReachable: Nullable(Type.Boolean({ description: 'null: no bucket; false after a failed call to it, until one succeeds' })),
  pendingUploads: Type.Integer({ description: 'Files in the local cache waiting for their upload to the bucket' }),
  warning: Nullable(Type.String({ description: 'Why files stay on local disk although a bucket is configured, or why uploads are waiting' })),
});
