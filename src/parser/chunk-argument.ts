import { invalidArgType } from "../codec/arguments.js";

/**
 * Refuses a `push`/`write` argument that is not bytes. A string is the usual mistake: the source
 * had `setEncoding()` called on it, so it hands out text, and text cannot be turned back into the
 * bytes that arrived; the message says so.
 */
export function checkChunk(chunk: unknown, name = "chunk"): asserts chunk is Uint8Array {
  if (chunk instanceof Uint8Array) return;
  throw invalidArgType(
    name,
    typeof chunk === "string"
      ? "a Uint8Array, not a string (a string means setEncoding() was called on the source: remove that call)"
      : "a Uint8Array (a Buffer, or a socket's chunk)",
    chunk,
  );
}
