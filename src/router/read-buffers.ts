// Reusable read buffers for backend sockets. A backend socket made with `onread` reads into a
// buffer of ours and hands the bytes to a callback, with no Buffer made per read and none of the
// stream's 'data' machinery. Each buffer serves one socket at a time: the socket's handle keeps
// reading into the buffer it was last given, so a buffer goes back to the pool only once its
// socket is closed, and never while a write still holds a view of it.

/** libuv's read size (what Node reads into by default): an answer streams in as few reads. */
const SIZE = 64 * 1024;
/** Buffers kept for reuse (2 MiB): one per backend socket reading at once, up to this many. */
const KEEP = 32;

/** A pool of read buffers. @internal */
export class ReadBuffers {
  readonly #free: Buffer[] = [];

  /** A buffer for one socket (from the pool, or new). */
  take(): Buffer {
    return this.#free.pop() ?? Buffer.allocUnsafeSlow(SIZE);
  }

  /** Takes back a buffer nothing reads into and no write holds. */
  give(buffer: Buffer): void {
    if (this.#free.length < KEEP) this.#free.push(buffer);
  }
}
