// A failed start closes what it had opened, last first, and throws its own error; a part that
// fails to close does not keep the others open; a start that succeeds closes nothing.
import { describe, expect, it } from 'vitest';
import { OpenedParts } from '../src/server/opened-parts.js';

describe('OpenedParts', () => {
  it('closes the parts opened before a failure, last first, and rethrows the failure', async () => {
    const closed: string[] = [];
    const parts = new OpenedParts();
    const failure = new Error('the bucket is unreachable');
    await expect(
      parts.start(async () => {
        await parts.add(Promise.resolve('records'), (name) => void closed.push(name));
        await parts.add('queue', async (name) => {
          closed.push(name);
          throw new Error('closing the queue failed too');
        });
        await parts.add(Promise.resolve('pool'), (name) => void closed.push(name));
        await parts.add(Promise.reject(failure), () => closed.push('never opened'));
      }),
    ).rejects.toBe(failure);
    expect(closed).toEqual(['pool', 'queue', 'records']);
  });

  it('closes nothing when the start succeeds', async () => {
    const closed: string[] = [];
    const parts = new OpenedParts();
    expect(await parts.start(async () => parts.add('records', () => closed.push('records')))).toBe('records');
    expect(closed).toEqual([]);
  });
});
