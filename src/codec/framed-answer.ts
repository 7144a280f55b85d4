import { HEADER_SIZE } from "./constants.js";
import type { VarsView } from "./vars-view.js";

/**
 * Where a uwsgi-framed answer (an RPC result, a cache value) is in the bytes received so far.
 * `ready: false` means the head is not all there yet: `needed` more bytes at least. Once ready,
 * the answer is `headLength` bytes of head (the 4-byte header, and the vars it carries when the
 * content does not fit the packet) followed by `contentLength` bytes of content.
 */
export type FramedAnswerHead = FramedAnswerWaiting | FramedAnswerReady;

/** The head of a framed answer is not complete yet. */
export interface FramedAnswerWaiting {
  readonly ready: false;
  /** Bytes still missing before the head can be read (at least 1). */
  readonly needed: number;
}

/** The head of a framed answer, read. */
export interface FramedAnswerReady {
  readonly ready: true;
  readonly modifier1: number;
  readonly modifier2: number;
  /** Bytes of the head: 4, plus the vars block when there is one. */
  readonly headLength: number;
  /** Bytes of content after the head (a result or a value). */
  readonly contentLength: number;
  /** The vars of the head (RPC's CONTENT_LENGTH, the cache's status/size/expires), or undefined. */
  readonly vars: VarsView | undefined;
}

/** @internal The head is incomplete: `needed` more bytes. */
export function waiting(needed: number): FramedAnswerWaiting {
  return { ready: false, needed };
}

/** @internal How many bytes from `offset` complete a header and its `datasize` bytes (0: all there). */
export function packetMissing(buf: Uint8Array, offset: number): number {
  const avail = buf.length - offset;
  if (avail < HEADER_SIZE) return HEADER_SIZE - avail;
  const total = HEADER_SIZE + (buf[offset + 1]! | (buf[offset + 2]! << 8));
  return avail >= total ? 0 : total - avail;
}
