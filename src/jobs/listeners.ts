// The listener sets both queues keep (events, wake-ups, cancel requests): adding one returns its
// removal, and telling them never lets one listener's failure reach the others or the change
// that is being told.

export type Listeners<T> = Set<(value: T) => void>;

export function listen<T>(listeners: Listeners<T>, listener: (value: T) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function tell<T>(listeners: Listeners<T>, value: T): void {
  for (const listener of [...listeners]) {
    // A listener that throws must neither starve the others nor turn a committed change into an error.
    try {
      listener(value);
    } catch (error) {
      process.emitWarning(error instanceof Error ? error : String(error));
    }
  }
}
