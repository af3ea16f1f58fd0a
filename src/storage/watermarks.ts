// Named watermarks: how far a follower of some log got (e.g. the finish time of the last job whose
// deliveries were queued), so a restart catches up from there. Values are ISO-8601 times, which
// compare in time order as text; a watermark only moves forward, so followers on several nodes
// can advance the same one. In SQLite (sqlite-watermarks.ts) or Redis (redis-watermarks.ts).

export interface Watermarks {
  /** The value, or null when never set. */
  get(name: string): Promise<string | null>;
  /** Sets the value to `value` unless it is already later (one atomic step). */
  advance(name: string, value: string): Promise<void>;
}
