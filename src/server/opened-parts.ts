// The parts of a process opened one after another (records, storage, queue, the render pool):
// should a later one fail to open, those already open are closed, last first, so a failed start
// leaks no connection, file handle or worker process to a caller that embeds the server.
export class OpenedParts {
  private readonly closers: Array<() => unknown> = [];

  /** Waits for a part to open and remembers how to close it. */
  async add<T>(opening: T | Promise<T>, close: (part: T) => unknown): Promise<T> {
    const part = await opening;
    this.closers.push(() => close(part));
    return part;
  }

  /**
   * Runs a start that adds parts; if it throws, closes every part added so far, last first (a
   * part that fails to close does not keep the others open), and throws the start's error.
   */
  async start<T>(start: () => Promise<T>): Promise<T> {
    try {
      return await start();
    } catch (error) {
      while (this.closers.length > 0) await Promise.resolve(this.closers.pop()!()).catch(() => {});
      throw error;
    }
  }
}
