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
 * - `INVALID_HEADER`: a response header name that is not an HTTP token, or a name, value or reason
 *   phrase with CR, LF, NUL or another control byte (it would split the answer: header injection).
 * - `INVALID_STATUS`: a status code that is not an integer 100-999.
 * - `HEADERS_SENT`: a header change after `writeHead` or the first `write`.
 */
export type UwsgiServerErrorCode =
  | "HEADER_TIMEOUT"
  | "REQUEST_TIMEOUT"
  | "IDLE_TIMEOUT"
  | "LENGTH_REQUIRED"
  | "ABORTED"
  | "SHUTDOWN"
  | "UNSUPPORTED_PACKET"
  | "HANDLER_FAILED"
  | "INVALID_HEADER"
  | "INVALID_STATUS"
  | "HEADERS_SENT";

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
