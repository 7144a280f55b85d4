import type { UwsgiError } from "../codec/errors.js";
import { UwsgiServerError } from "./server-error.js";

// The errors a connection reports when it ends a request on its own, one function per condition:
// each says its detail once (the code is added by UwsgiServerError).

/** A chunked body came and the server has `allowChunked: false`. */
export function lengthRequired(): UwsgiServerError {
  return new UwsgiServerError(
    "LENGTH_REQUIRED",
    "a chunked body (no CONTENT_LENGTH) and the server has allowChunked: false",
  );
}

/** The handler destroyed its answer before ending it. */
export function answerDestroyed(cause: Error | null): UwsgiServerError {
  return new UwsgiServerError("HANDLER_FAILED", "the answer was destroyed before its end", {
    cause: cause ?? undefined,
  });
}

/** The answer failed (a server error as it is, anything else as the handler's failure). */
export function answerFailed(err: Error): UwsgiServerError {
  return err instanceof UwsgiServerError
    ? err
    : new UwsgiServerError("HANDLER_FAILED", `the answer failed: ${err.message}`, { cause: err });
}

/**
 * User code failed: `what` says which (`"a listener threw"`), `thrown` is what it threw or
 * rejected with, kept as `cause`.
 */
export function userCodeFailed(what: string, thrown: unknown): UwsgiServerError {
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  return new UwsgiServerError("HANDLER_FAILED", `${what}: ${message}`, { cause: thrown });
}

/**
 * The peer closed inside the body: `err` is the parser's refusal of the end (`needed` bytes
 * missing), `length` the body's CONTENT_LENGTH (undefined for a chunked body).
 */
export function bodyCutShort(err: UwsgiError, length: number | undefined): UwsgiServerError {
  return new UwsgiServerError(
    "ABORTED",
    length === undefined
      ? `the peer closed inside the chunked body (${err.detail})`
      : `the peer closed after ${length - err.needed} of ${length} body bytes`,
    { cause: err },
  );
}

/** The peer closed before the answer was complete. */
export function peerLeftAnswer(): UwsgiServerError {
  return new UwsgiServerError(
    "ABORTED",
    "the peer closed the connection before the answer was complete",
  );
}

/** The peer closed before the request packet was complete. */
export function peerLeftPacket(): UwsgiServerError {
  return new UwsgiServerError("ABORTED", "the peer closed before the request packet was complete");
}

/** No byte went either way for `ms` (idleTimeout). */
export function idleTimedOut(ms: number): UwsgiServerError {
  return new UwsgiServerError("IDLE_TIMEOUT", `no byte went either way for ${ms} ms`);
}

/** The request packet did not arrive within `ms` (headersTimeout). */
export function headerTimedOut(ms: number): UwsgiServerError {
  return new UwsgiServerError(
    "HEADER_TIMEOUT",
    `the request packet did not arrive within ${ms} ms`,
  );
}

/** The request (packet and body) was not complete within `ms` (requestTimeout). */
export function requestTimedOut(ms: number): UwsgiServerError {
  return new UwsgiServerError("REQUEST_TIMEOUT", `the request was not complete within ${ms} ms`);
}

/** `close()` gave up waiting for the request after `ms` (closeTimeout). */
export function shutDown(ms: number): UwsgiServerError {
  return new UwsgiServerError(
    "SHUTDOWN",
    `the server closed; the request was not done after closeTimeout (${ms} ms)`,
  );
}
