// The CLI's own output, written synchronously to the real stdout. With --json, descriptor 1 is
// a pipe that collects what plugins print (main.ts); the report must not go through it.
import { writeSync } from 'node:fs';

let descriptor = 1;

/** Where print() writes from now on: the original stdout saved by a plugin-output capture. */
export function printTo(fd: number): void {
  descriptor = fd;
}

/** One line (or block of lines) of the CLI's output. */
export function print(text: string): void {
  const bytes = Buffer.from(`${text}\n`);
  for (let written = 0; written < bytes.length; ) written += writeSync(descriptor, bytes, written);
}
