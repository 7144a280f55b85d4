import { closeSync, fstatSync, openSync, read, readSync } from "node:fs";
import { invalidArgType } from "../codec/arguments.js";
import { CaptureError } from "./errors.js";

/** What `decodeCapture` reads. */
export type CaptureSource =
  | string
  | Uint8Array
  | AsyncIterable<Uint8Array | string>
  | NodeJS.ReadableStream;

// Large reads: fewer records straddle two chunks (each such record is copied once), and fewer
// calls (1 MiB: the fastest of 256 KiB-4 MiB on the 100 MiB capture).
const FILE_CHUNK = 1024 * 1024;
// A regular file is read with synchronous reads (no trip to the thread pool and back for each
// piece: on a busy machine each one waited for both threads to be scheduled); the decode lets the
// event loop run after every this many bytes, so a process decoding a large file still serves its
// timers and sockets.
const YIELD_EVERY = 8 * FILE_CHUNK;

function isAsyncIterable(x: unknown): x is AsyncIterable<Uint8Array | string> {
  return typeof x === "object" && x !== null && Symbol.asyncIterator in x;
}

// Errors chunksOf made itself, told apart from what the source throws.
const chunkErrors = new WeakSet<object>();

/** True for the argument error of a source whose chunks are not bytes. */
export function isChunkError(err: unknown): boolean {
  return typeof err === "object" && err !== null && chunkErrors.has(err);
}

/** Refuses, at the call, a source that is none of the kinds `decodeCapture` reads. */
export function checkSource(source: unknown): void {
  if (typeof source === "string" || source instanceof Uint8Array || isAsyncIterable(source)) return;
  throw invalidArgType(
    "source",
    "a file path, a Uint8Array, a readable stream or an async iterable of bytes",
    source,
  );
}

/**
 * The source's bytes as Buffers. A chunk is valid until the next one is asked for: a regular file
 * is read into one buffer, again and again.
 */
export async function* chunksOf(source: CaptureSource): AsyncGenerator<Buffer, void, undefined> {
  if (typeof source === "string") {
    yield* fileChunks(source);
    return;
  }
  if (source instanceof Uint8Array) {
    yield Buffer.from(source.buffer, source.byteOffset, source.byteLength);
    return;
  }
  for await (const chunk of source as AsyncIterable<unknown>) {
    if (typeof chunk === "string") yield Buffer.from(chunk, "latin1");
    else if (Buffer.isBuffer(chunk)) yield chunk;
    else if (chunk instanceof Uint8Array) {
      yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    } else {
      const err = invalidArgType("source", "a source of Uint8Array or string chunks", chunk);
      chunkErrors.add(err);
      throw err;
    }
  }
}

async function* fileChunks(path: string): AsyncGenerator<Buffer, void, undefined> {
  const fd = openSync(path, "r");
  let reading: Promise<number> | null = null;
  try {
    if (!fstatSync(fd).isFile()) {
      // A FIFO or a device may block: read on the thread pool into two buffers in turn, the
      // next read running while the last piece is decoded.
      const buffers = [Buffer.allocUnsafe(FILE_CHUNK), Buffer.allocUnsafe(FILE_CHUNK)];
      let turn = 0;
      reading = readAsync(fd, buffers[0]!);
      for (;;) {
        const n = await reading;
        reading = null;
        if (n === 0) return;
        const chunk = buffers[turn]!.subarray(0, n);
        turn ^= 1;
        reading = readAsync(fd, buffers[turn]!);
        yield chunk;
      }
    }
    const buffer = Buffer.allocUnsafe(FILE_CHUNK);
    let sinceYield = 0;
    for (;;) {
      const n = readSync(fd, buffer, 0, FILE_CHUNK, null);
      if (n === 0) return;
      yield buffer.subarray(0, n);
      sinceYield += n;
      if (sinceYield >= YIELD_EVERY) {
        sinceYield = 0;
        await new Promise(setImmediate);
      }
    }
  } finally {
    // A read still running when the consumer stops must end before the file closes.
    if (reading !== null) await reading.catch(() => 0);
    closeSync(fd);
  }
}

/** Reads the next piece of `fd` into `buffer` on the thread pool; resolves the bytes read. */
function readAsync(fd: number, buffer: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    read(fd, buffer, 0, buffer.length, null, (err, n) => (err === null ? resolve(n) : reject(err)));
  });
}

/**
 * A source's failure (a missing file, an I/O error, a stream's error) as `UNREADABLE`, at the
 * offset of the first byte it could not give.
 */
export function unreadable(err: unknown, offset: number): CaptureError {
  // Node's I/O errors already name their code in their message ("ENOENT: no such file ...").
  const message = err instanceof Error ? err.message : String(err);
  return new CaptureError("UNREADABLE", offset, "a readable input", message, { cause: err });
}
