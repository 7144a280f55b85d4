import { invalidArgValue } from "../codec/arguments.js";

/** The protocols the load generator (and `uwsgi-codec request`) speaks. */
export type Scheme = "uwsgi" | "fastcgi" | "scgi" | "http";

/** The schemes, in the order the tools list them. */
export const SCHEMES: readonly Scheme[] = Object.freeze(["uwsgi", "fastcgi", "scgi", "http"]);

/** Where to connect and what to ask for, from a URL such as `uwsgi://127.0.0.1:3031/path?q`. */
export interface Target {
  readonly scheme: Scheme;
  /** TCP host (brackets removed from an IPv6 literal); "" with a unix socket. */
  readonly host: string;
  /** TCP port; 0 with a unix socket. */
  readonly port: number;
  /** A unix socket's path (curl's `--unix-socket`), else undefined. */
  readonly socketPath: string | undefined;
  /** The request target in origin form: path and query, `/` when the URL has none. */
  readonly path: string;
  /** The URL as given (for reports). */
  readonly url: string;
}

const DEFAULT_PORTS: Readonly<Record<Scheme, number>> = {
  uwsgi: 3031,
  fastcgi: 9000,
  scgi: 4000,
  http: 80,
};

/**
 * Parses a target URL. Schemes: `uwsgi://`, `fastcgi://` (also `fcgi://`), `scgi://`, `http://`.
 * Without a port: 3031 (uWSGI's usual socket), 9000 (php-fpm), 4000, 80. With `socketPath`, the
 * host part is only the Host header's default and no TCP connection is made (`uwsgi://x/path`).
 * Throws `ERR_INVALID_ARG_VALUE` naming `name` for anything else.
 */
export function parseTarget(url: string, socketPath?: string, name = "url"): Target {
  const m = /^([a-z]+):\/\/(\[[^\]]*\]|[^/?#:]*)(?::(\d*))?([/?][^#]*)?(#.*)?$/i.exec(url);
  if (m === null) {
    throw invalidArgValue(name, url, "must be a URL such as uwsgi://127.0.0.1:3031/path");
  }
  const given = m[1]!.toLowerCase();
  const scheme = (given === "fcgi" ? "fastcgi" : given) as Scheme;
  if (!SCHEMES.includes(scheme)) {
    throw invalidArgValue(name, url, `has scheme "${given}": use uwsgi, fastcgi, scgi or http`);
  }
  let host = m[2]!;
  if (host.startsWith("[")) host = host.slice(1, -1);
  if (host === "" && socketPath === undefined) {
    throw invalidArgValue(name, url, "has no host (give one, or a unix socket)");
  }
  const portText = m[3];
  let port = DEFAULT_PORTS[scheme];
  if (portText !== undefined) {
    port = Number(portText);
    if (portText === "" || !(port >= 1 && port <= 65535)) {
      throw invalidArgValue(name, url, "has a port that is not 1-65535");
    }
  }
  let path = m[4] ?? "/";
  if (path.startsWith("?")) path = `/${path}`;
  return socketPath === undefined
    ? { scheme, host, port, socketPath: undefined, path, url }
    : { scheme, host, port: 0, socketPath, path, url };
}

/** `net.connect` options for a target. */
export function connectTo(t: Target): { host: string; port: number } | { path: string } {
  return t.socketPath === undefined ? { host: t.host, port: t.port } : { path: t.socketPath };
}

/** The Host header a target implies: `host[:port]` (the port when it is not the default). */
export function hostHeaderOf(t: Target): string {
  const host = t.host === "" ? "localhost" : t.host.includes(":") ? `[${t.host}]` : t.host;
  return t.socketPath === undefined && t.port !== DEFAULT_PORTS[t.scheme]
    ? `${host}:${t.port}`
    : host;
}
