// The cursor of job lists: a position in the list, opaque so that callers pass back what they got
// rather than build their own. Both queues page by an increasing sequence number.
import { describe, MixchainError } from '../errors.js';

export function encodeCursor(seq: number): string {
  return Buffer.from(String(seq)).toString('base64url');
}

export function decodeCursor(cursor: string): number {
  const seq = Number(Buffer.from(cursor, 'base64url').toString());
  if (!Number.isSafeInteger(seq) || seq < 1 || encodeCursor(seq) !== cursor) {
    throw new MixchainError('ERR_INVALID_CURSOR', `Expected the nextCursor of a previous page but got ${describe(cursor)}`);
  }
  return seq;
}
