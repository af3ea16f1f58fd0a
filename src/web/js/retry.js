// Waiting before another try: the growing pauses between tries, and a sleep that ends early
// when its signal aborts (the user went on to something else).

/** Pauses before the first, second, … try again; the last one repeats. */
const RETRY_MS = [1000, 2000, 5000, 10_000];

export const retryPause = (attempt) => RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)];

/** Resolves after `ms`, or at once when `signal` aborts; leaves no listener behind either way. */
export function sleep(ms, signal) {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
