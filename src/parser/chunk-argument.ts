import { invalidArgType } from "../codec/arguments.js";
import { inputBytes } from "../codec/bytes.js";

/**
 * A `push`/`write` argument as bytes (a Uint8Array, an ArrayBuffer or another view, as
 * `TextDecoder` takes), or ERR_INVALID_ARG_TYPE. A string is the usual mistake: the source had
 * `setEncoding()` called on it, so it hands out text, which cannot be turned back into the bytes
 * that arrived; the message says so.
 */
export function chunkBytes(chunk: unknown, name = "chunk"): Uint8Array {
  if (typeof chunk === "string") {
    throw invalidArgType(
      name,
      "bytes, not a string (a string means setEncoding() was called on the source: remove that call)",
      chunk,
    );
  }
  return inputBytes(name, chunk);
}
