// The one kind of job: a mix of uploaded files, rendered on the pool into a file the worker
// writes itself, then stored as `mixes/<job id>.<format>`. Synchronous mixes use the same render.
import { join } from 'node:path';
import { withNames } from '../errors.js';
import type { MixReport } from '../mix/render-mix.js';
import type { RenderPool } from '../pool/pool.js';
import type { Storage } from '../storage/storage.js';
import { uploadedFile, type UploadStore } from '../storage/uploads.js';
import type { JobHandler } from './runner.js';

/** Mix options as the API validated them (see the server's mix-options schema). */
export interface MixRequest {
  recipe?: string;
  format?: 'wav' | 'flac' | 'mp3' | 'ogg' | 'opus';
  sampleType?: 'pcm16' | 'pcm24' | 'float';
  [option: string]: unknown;
}

export interface MixFiles {
  vocal: string;
  beat?: string;
  extras?: string[];
}

export interface RenderToFileOptions {
  /** Where the worker writes the result: a folder, and the file's name without extension. */
  folder: string;
  name: string;
  signal?: AbortSignal;
  label?: string;
  onProgress?: (fraction: number, stage: string) => void;
  /** Longer inputs are refused by the worker's decode (ERR_AUDIO_TOO_LONG). Default: the mix engine's. */
  maxSeconds?: number;
}

export const DEFAULT_RECIPE = 'default';

/** Renders a mix of local files to `<folder>/<name>.<format>` on the pool. */
export async function renderMixToFile(pool: RenderPool, files: MixFiles, request: MixRequest, options: RenderToFileOptions): Promise<{ file: string; format: string; report: MixReport }> {
  const { recipe, format = 'wav', sampleType, ...mix } = request;
  const file = join(options.folder, `${options.name}.${format}`);
  const { report } = await pool.renderMix(recipe ?? DEFAULT_RECIPE, { ...files }, {
    ...mix,
    outputPath: file,
    output: { format, ...(sampleType ? { sampleType } : {}) },
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.label ? { label: options.label } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.maxSeconds ? { maxSeconds: options.maxSeconds } : {}),
  });
  return { file, format, report };
}

export interface MixJobDeps {
  pool: RenderPool;
  uploads: UploadStore;
  storage: Storage;
}

export function mixJobHandler(deps: MixJobDeps): JobHandler {
  return async (job, { signal, progress }) => {
    const { input } = job;
    // An upload deleted since the job was queued fails it with ERR_UPLOAD_NOT_FOUND.
    const local = async (id: string) => (await uploadedFile(deps.uploads, deps.storage, job.keyId, id)).path;
    const files: MixFiles = {
      vocal: await local(input.vocal),
      ...(input.beat ? { beat: await local(input.beat) } : {}),
      ...(input.extras.length ? { extras: await Promise.all(input.extras.map(local)) } : {}),
    };
    const names = new Map<string, string>([[files.vocal, `upload ${input.vocal}`]]);
    if (files.beat && input.beat) names.set(files.beat, `upload ${input.beat}`);
    files.extras?.forEach((path, i) => names.set(path, `upload ${input.extras[i]}`));
    const rendered = await renderMixToFile(deps.pool, files, input.options as MixRequest, {
      folder: deps.storage.scratchDir,
      name: job.id,
      signal,
      label: job.id,
      // The render is 95 % of a job; storing the result the rest.
      onProgress: (fraction, stage) => progress(Math.floor(fraction * 95), stage),
    }).catch((error: unknown) => Promise.reject(withNames(error, names)));
    progress(97, 'storing');
    const stored = await deps.storage.put(`mixes/${job.id}.${rendered.format}`, rendered.file);
    return { report: rendered.report, result: { key: stored.key, format: rendered.format, size: stored.size } };
  };
}
