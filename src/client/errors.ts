/**
 * Every way a client call can fail once its arguments are right (wrong arguments are Node's
 * `TypeError`/`RangeError` with an `ERR_*` code). The strings are stable: match on them, not on
 * messages.
 *
 * - `CONNECT_FAILED`: the connection could not be made (refused, no such socket file...); `cause`
 *   is the system error and `syscallCode` its errno name (`ECONNREFUSED`, `ENOENT`).
 * - `CONNECT_TIMEOUT`: not connected within `connectTimeout`.
 * - `TIMEOUT`: connected, then nothing received for `timeout` ms (no answer, or a stalled body).
 * - `ABORTED`: the caller's `AbortSignal` fired; `name` is `"AbortError"`, `cause` the reason.
 * - `SOCKET_ERROR`: the connection failed after it was made (reset, broken pipe); `cause` says why.
 * - `CLOSED_BEFORE_ANSWER`: the backend closed before the end of the answer's header (uWSGI closes
 *   without a word on a request it refuses).
 * - `HEADER_TOO_LARGE`: the answer's status line and headers exceed `maxHeaderSize`.
 * - `MALFORMED_ANSWER`: the answer is not HTTP/1.x (status line or a header line is wrong), or a
 *   ping answer is not a pong.
 * - `ANSWER_TRUNCATED`: the backend closed before the `Content-Length` it announced.
 * - `BODY_LENGTH_MISMATCH`: the request body is not as long as its CONTENT_LENGTH.
 * - `CONTENT_LENGTH_REQUIRED`: a streamed body of unknown length without CONTENT_LENGTH (uwsgi has
 *   no other way to frame a request body).
 * - `BODY_SOURCE_FAILED`: the request body stream failed or gave something other than bytes;
 *   `cause` is its error.
 * - `BODY_TOO_LARGE`: a body the gateway must buffer (chunked) is larger than its limit.
 * - `BAD_REQUEST`: an HTTP request nginx answers 400 before uwsgi_pass (`varsFromRequest`, the
 *   gateway): a Host that is not a host name, two Host headers, a path with `%00`...
 */
export type UwsgiClientErrorCode =
  | "CONNECT_FAILED"
  | "CONNECT_TIMEOUT"
  | "TIMEOUT"
  | "ABORTED"
  | "SOCKET_ERROR"
  | "CLOSED_BEFORE_ANSWER"
  | "HEADER_TOO_LARGE"
  | "MALFORMED_ANSWER"
  | "ANSWER_TRUNCATED"
  | "BODY_LENGTH_MISMATCH"
  | "CONTENT_LENGTH_REQUIRED"
  | "BODY_SOURCE_FAILED"
  | "BODY_TOO_LARGE"
  | "BAD_REQUEST";

/** The error every client call rejects (or destroys a body stream) with. */
export class UwsgiClientError extends Error {
  /** Stable machine-readable reason. */
  readonly code: UwsgiClientErrorCode;
  /** The errno name of the system error behind `CONNECT_FAILED` / `SOCKET_ERROR`, else "". */
  readonly syscallCode: string;

  constructor(code: UwsgiClientErrorCode, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    // ABORTED looks like a DOM AbortError, so code that checks `err.name` keeps working.
    this.name = code === "ABORTED" ? "AbortError" : "UwsgiClientError";
    this.code = code;
    const sys = (cause as { code?: unknown } | undefined)?.code;
    this.syscallCode = typeof sys === "string" ? sys : "";
  }
}
