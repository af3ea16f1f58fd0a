// A stored file as the response body, with single byte ranges (206, or 416 when the range lies
// outside the file) so players can seek and downloads can resume.
import { createReadStream } from 'node:fs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MixchainError } from '../errors.js';
import { attachment } from '../storage/content-types.js';

function parseRange(header: string, size: number): { start: number; end: number } | null {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return null;
  let start: number;
  let end: number;
  if (match[1] === '') {
    start = Math.max(0, size - Number(match[2]));
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  return start <= end && start < size ? { start, end } : null;
}

export function sendFile(request: FastifyRequest, reply: FastifyReply, path: string, size: number, contentType: string, filename: string): FastifyReply {
  reply.header('Accept-Ranges', 'bytes').header('Content-Type', contentType).header('Content-Disposition', attachment(filename));
  const range = request.headers.range;
  if (range === undefined) return reply.header('Content-Length', size).send(createReadStream(path));
  const wanted = parseRange(range, size);
  if (!wanted) {
    reply.header('Content-Range', `bytes */${size}`);
    throw new MixchainError('ERR_RANGE_NOT_SATISFIABLE', `Expected a byte range within 0-${size - 1} (bytes=start-end) but got '${range.slice(0, 80)}'`);
  }
  return reply
    .code(206)
    .header('Content-Range', `bytes ${wanted.start}-${wanted.end}/${size}`)
    .header('Content-Length', wanted.end - wanted.start + 1)
    .send(createReadStream(path, wanted));
}
