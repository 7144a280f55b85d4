import { invalidArgType } from "../codec/arguments.js";
import { inputBytes } from "../codec/bytes.js";

/**
 * A streaming parser's `push` argument as bytes (a Uint8Array, an ArrayBuffer or another view),
 * or ERR_INVALID_ARG_TYPE. A string is the usual mistake: the source had `setEncoding()` called
 * on it, and text cannot be turned back into the bytes that arrived.
 */
export function pushedBytes(chunk: unknown): Uint8Array {
  if (typeof chunk === "string") {
    throw invalidArgType(
      "chunk",
      "bytes, not a string (a string means setEncoding() was called on the source: remove that call)",
      chunk,
    );
  }
  return inputBytes("chunk", chunk);
}
