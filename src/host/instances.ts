import { binding } from '../native/binding.js';

/** Plugins alive in this process (every thread), for leak checks and stats. */
export function liveInstances(): number {
  return binding.liveInstances();
}
