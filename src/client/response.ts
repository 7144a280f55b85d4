import type { Readable } from "node:stream";
import type { AnswerHead } from "./answer-head.js";

/**
 * A uWSGI answer: the status line and headers, parsed, and the body as a stream. The body's
 * chunks are views of the socket's own buffers (no copy); reading slowly pauses the socket.
 * Consume or destroy `body`: destroying it closes the connection.
 */
export class UwsgiResponse {
  /** `"1.1"` or `"1.0"`: uWSGI echoes the request's SERVER_PROTOCOL. */
  readonly httpVersion: string;
  readonly status: number;
  /** The reason phrase as sent, possibly empty. */
  readonly reason: string;
  /** Every header as `[name, value]`: names as sent, wire order, duplicates kept (latin1 strings). */
  readonly headers: readonly (readonly [string, string])[];
  /** The answer body. It errors with a `UwsgiClientError` if the answer is cut short. */
  readonly body: Readable;
  #map: Map<string, string[]> | undefined;

  /** @internal Made by `request()`. */
  constructor(head: AnswerHead, body: Readable) {
    this.httpVersion = head.httpVersion;
    this.status = head.status;
    this.reason = head.reason;
    this.headers = head.headers;
    this.body = body;
  }

  /** Lower-case header name -> every value with that name, in wire order (built on first use). */
  get headerMap(): ReadonlyMap<string, readonly string[]> {
    if (this.#map !== undefined) return this.#map;
    const map = new Map<string, string[]>();
    for (const [name, value] of this.headers) {
      const key = name.toLowerCase();
      const list = map.get(key);
      if (list === undefined) map.set(key, [value]);
      else list.push(value);
    }
    this.#map = map;
    return map;
  }

  /**
   * The values of one header (any case) joined with `", "`, or undefined. Use `headerMap` for
   * Set-Cookie, whose values cannot be joined.
   */
  header(name: string): string | undefined {
    return this.headerMap.get(name.toLowerCase())?.join(", ");
  }
}
