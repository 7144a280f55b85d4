import type { NetConnectOpts } from "node:net";
import { UwsgiClientError } from "./errors.js";

/**
 * Where the uWSGI socket is: TCP `host` (default `"127.0.0.1"`) and `port`, or a unix socket
 * `path`. Exactly one of `port` and `path`.
 */
export interface UwsgiAddress {
  readonly host?: string;
  readonly port?: number;
  readonly path?: string;
}

/** Checks an address and turns it into `net.connect` options. */
export function connectOptions(address: UwsgiAddress): NetConnectOpts {
  const { host, port, path } = address;
  if (path !== undefined && port === undefined && host === undefined) {
    if (typeof path === "string" && path !== "") return { path };
  } else if (path === undefined && Number.isInteger(port) && port! > 0 && port! < 65536) {
    if (host === undefined) return { host: "127.0.0.1", port: port! };
    if (typeof host === "string" && host !== "") return { host, port: port! };
  }
  throw new UwsgiClientError(
    "INVALID_ARGUMENT",
    "give a TCP address ({ host?, port: 1-65535 }) or a unix socket ({ path }), not both",
  );
}

/** Checks a timeout option (milliseconds, 0 = none); returns it or the default. */
export function timeoutOption(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (Number.isFinite(value) && value >= 0 && value <= 2_147_483_647) return value;
  throw new UwsgiClientError("INVALID_ARGUMENT", `${name} must be 0-2147483647 ms, not ${value}`);
}

/** The typed error for an AbortSignal that fired; `cause` is the signal's reason. */
export function abortError(signal: AbortSignal): UwsgiClientError {
  return new UwsgiClientError("ABORTED", "the request was aborted", signal.reason);
}

/** A system error before the connection was made. */
export function connectError(address: NetConnectOpts, err: Error): UwsgiClientError {
  const where =
    "path" in address && address.path !== undefined
      ? address.path
      : `${(address as { host: string }).host}:${(address as { port: number }).port}`;
  return new UwsgiClientError("CONNECT_FAILED", `cannot connect to ${where}: ${err.message}`, err);
}
