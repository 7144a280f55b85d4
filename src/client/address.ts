import type { NetConnectOpts } from "node:net";
import { checkInteger, invalidArgType, invalidArgValue, missingArgs } from "../codec/arguments.js";
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

/** The keys of {@link UwsgiAddress}. */
export const ADDRESS_KEYS: readonly string[] = ["host", "port", "path"];

/** node:http and undici spellings of our option names, for the unknown-option hint. */
export const ADDRESS_ALIASES: Readonly<Record<string, string>> = {
  hostname: "host",
  socketPath: "path",
};

/** `name:port` or `[v6]:port`: a host that carries a port. */
function splitPort(host: string): [string, number] | undefined {
  const colon = host.lastIndexOf(":");
  if (colon <= 0 || colon === host.length - 1) return undefined;
  const name = host.slice(0, colon);
  if (name.includes(":") && !(name.startsWith("[") && name.endsWith("]"))) return undefined;
  const digits = host.slice(colon + 1);
  for (let i = 0; i < digits.length; i++) {
    const c = digits.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return undefined;
  }
  return [name.startsWith("[") ? name.slice(1, -1) : name, Number(digits)];
}

/**
 * Checks an address and turns it into `net.connect` options. Wrong arguments are Node's
 * argument errors naming `${where}.host` / `.port` / `.path`, saying what to pass instead.
 */
export function connectOptions(address: UwsgiAddress, where = "options"): NetConnectOpts {
  const { host, port, path } = address;
  if (host !== undefined) {
    if (typeof host !== "string") throw invalidArgType(`${where}.host`, "of type string", host);
    if (host === "") throw invalidArgValue(`${where}.host`, host, "must not be empty");
  }
  if (path !== undefined) {
    if (typeof path !== "string") throw invalidArgType(`${where}.path`, "of type string", path);
    if (path === "") throw invalidArgValue(`${where}.path`, path, "must not be empty");
    if (port !== undefined || host !== undefined) {
      throw invalidArgValue(
        `${where}.path`,
        path,
        "is a unix socket's path and cannot go with host or port (a URL path goes in the vars: PATH_INFO, REQUEST_URI)",
      );
    }
    return { path };
  }
  if (port === undefined) {
    const split = host === undefined ? undefined : splitPort(host);
    if (split !== undefined) {
      throw invalidArgValue(
        `${where}.host`,
        host,
        `has a port in it: pass { host: "${split[0]}", port: ${split[1]} }`,
      );
    }
    // Node's wording when either of two arguments will do.
    throw missingArgs(`${where}.port" or "${where}.path`);
  }
  checkInteger(`${where}.port`, port, 1, 65535);
  return { host: host ?? "127.0.0.1", port };
}

/** Checks a timeout option (whole milliseconds, 0 = none); returns it or the default. */
export function timeoutOption(name: string, value: unknown, fallback: number): number {
  return value === undefined ? fallback : checkInteger(name, value, 0, 2_147_483_647);
}

/** The typed error for an AbortSignal that fired; `cause` is the signal's reason. */
export function abortError(signal: AbortSignal): UwsgiClientError {
  return new UwsgiClientError("ABORTED", "the request was aborted", signal.reason);
}

/** Checks an optional AbortSignal option. */
export function checkSignal(name: string, signal: unknown): AbortSignal | undefined {
  if (signal === undefined || signal instanceof AbortSignal) return signal;
  throw invalidArgType(name, "an instance of AbortSignal", signal);
}

/** A system error before the connection was made. */
export function connectError(address: NetConnectOpts, err: Error): UwsgiClientError {
  const where =
    "path" in address && address.path !== undefined
      ? address.path
      : `${(address as { host: string }).host}:${(address as { port: number }).port}`;
  return new UwsgiClientError("CONNECT_FAILED", `cannot connect to ${where}: ${err.message}`, err);
}
