/**
 * Every way serving a connection can fail, beside the codec's `UwsgiError` codes (a malformed
 * packet, a limit). The strings are stable: match on them, not on messages.
 *
 * - `HEADER_TIMEOUT`: the request packet did not arrive whole within `headersTimeout`.
 * - `REQUEST_TIMEOUT`: the request (packet and body) was not complete within `requestTimeout`.
 * - `IDLE_TIMEOUT`: no byte went either way for `idleTimeout`.
 * - `LENGTH_REQUIRED`: a chunked body (no CONTENT_LENGTH) with the option `allowChunked: false`.
 * - `ABORTED`: the peer closed the connection before the request body or the answer was complete.
 * - `SHUTDOWN`: `close()` gave up waiting after `closeTimeout` and closed the connection.
 * - `UNSUPPORTED_PACKET`: a packet whose data is not vars (an RPC call, raw code), which no
 *   request handler can serve; pings are answered, not refused.
 * - `HANDLER_FAILED`: user code failed: a request handler threw or its promise rejected, or a
 *   listener the server ran (on the request, the answer, `'clientError'`) threw; `cause` is what
 *   was thrown.
 *
 * A response used the wrong way (a bad header, status code, or a change to the head once it is
 * fixed) is an argument error as `node:http` reports it, not one of these (response-errors.ts).
 */
export type UwsgiServerErrorCode =
  | "HEADER_TIMEOUT"
  | "REQUEST_TIMEOUT"
  | "IDLE_TIMEOUT"
  | "LENGTH_REQUIRED"
  | "ABORTED"
  | "SHUTDOWN"
  | "UNSUPPORTED_PACKET"
  | "HANDLER_FAILED";

/** The error type of the server layer; codec problems keep their `UwsgiError`. */
export class UwsgiServerError extends Error {
  /** Stable machine-readable reason. */
  readonly code: UwsgiServerErrorCode;

  constructor(code: UwsgiServerErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${message} (${code})`, options);
    this.name = "UwsgiServerError";
    this.code = code;
  }
}
