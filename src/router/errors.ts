/**
 * Every way routing a request can fail (beside the codec's `UwsgiError` for a malformed packet and
 * argument errors for bad options). The strings are stable: match on them, not on messages.
 *
 * - `NO_KEY`: the request names no routing key (no UWSGI_FASTROUTER_KEY, HTTP_HOST or SERVER_NAME
 *   of 1-255 bytes) and no key function or middleware chose a pool.
 * - `NO_POOL`: the key or the middleware names a pool the router does not have.
 * - `NO_NODE`: the pool has no node that is up (and no fallback pool has one).
 * - `CONNECT_FAILED`: a backend refused or dropped the connection before it was made (`address`,
 *   `cause`); the request is retried on another node while retries are left.
 * - `CONNECT_TIMEOUT`: a backend did not accept within `connectTimeout`; retried likewise.
 * - `RETRIES_EXHAUSTED`: every attempt failed to connect; `cause` is the last failure.
 * - `BACKEND_FAILED`: the connection to the backend broke after request bytes were sent to it, so
 *   the request cannot be retried (`bytesSent` says how many reached its socket).
 * - `ANSWER_TIMEOUT`: the backend sent no byte for `answerTimeout` while the answer was awaited.
 * - `CLIENT_ABORTED`: the client went away before the answer was complete.
 * - `HEADER_TIMEOUT`: the client did not send its whole request packet within `headersTimeout`.
 * - `MIDDLEWARE_FAILED`: a middleware function threw or rejected; `cause` is what it threw.
 * - `SHUTDOWN`: `close()` cut a request still running after its grace period.
 */
export type UwsgiRouterErrorCode =
  | "NO_KEY"
  | "NO_POOL"
  | "NO_NODE"
  | "CONNECT_FAILED"
  | "CONNECT_TIMEOUT"
  | "RETRIES_EXHAUSTED"
  | "BACKEND_FAILED"
  | "ANSWER_TIMEOUT"
  | "CLIENT_ABORTED"
  | "HEADER_TIMEOUT"
  | "MIDDLEWARE_FAILED"
  | "SHUTDOWN";

/** Where a failure happened, when a backend was involved. */
export interface RouterErrorDetail {
  /** The pool the request was routed to. */
  readonly pool?: string;
  /** The backend node's address. */
  readonly address?: string;
  /** Request bytes (packet and body) written to the backend's socket before the failure. */
  readonly bytesSent?: number;
  /** What caused it (a system error, the middleware's exception). */
  readonly cause?: unknown;
}

/** The router's error type: an I/O condition while routing a request. */
export class UwsgiRouterError extends Error {
  /** Stable machine-readable reason. */
  readonly code: UwsgiRouterErrorCode;
  /** The pool, when one was chosen. */
  readonly pool: string | undefined;
  /** The backend's address, when one was tried. */
  readonly address: string | undefined;
  /** Request bytes written to the backend before the failure (0 when none were). */
  readonly bytesSent: number;

  constructor(code: UwsgiRouterErrorCode, message: string, detail: RouterErrorDetail = {}) {
    super(`${message} (${code})`, detail.cause === undefined ? undefined : { cause: detail.cause });
    this.name = "UwsgiRouterError";
    this.code = code;
    this.pool = detail.pool;
    this.address = detail.address;
    this.bytesSent = detail.bytesSent ?? 0;
  }
}
