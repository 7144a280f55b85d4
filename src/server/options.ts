import { MAX_DATASIZE } from "../codec/constants.js";
import { UwsgiError } from "../codec/errors.js";
import { checkLimit, encodingOf } from "../codec/limits.js";
import type { TextEncoding } from "../codec/text.js";
import type { ParserOptions } from "../parser/packet-parser.js";

/** Options of {@link createServer}. Each field's default is in {@link DEFAULT_SERVER_OPTIONS}. */
export interface ServerOptions {
  /**
   * Largest vars block accepted, 0-65535. Defaults to 65535: nginx sends up to 65535 bytes of vars
   * (and answers 500 itself beyond), so anything nginx forwards is served. A larger datasize is
   * answered `431` and the connection closed.
   */
  readonly maxDatasize?: number;
  /**
   * Most vars in one request (Infinity for no limit). Defaults to 1024: nginx sends 15 params plus
   * one var per request header; 65535 bytes already bound the block. Over it: `431`.
   */
  readonly maxVars?: number;
  /**
   * Largest CONTENT_LENGTH accepted, in bytes (Infinity for no limit). Defaults to Infinity: the body
   * is streamed with backpressure, never held, so its size costs no memory; nginx's
   * `client_max_body_size` (1m by default) is where the policy usually lives. Over it: `413`.
   */
  readonly maxBodySize?: number;
  /**
   * Milliseconds from accepting a connection to having its whole request packet (0: no limit).
   * Defaults to 10 000; nginx writes the packet as soon as it connects. Past it: `408`, close.
   */
  readonly headerTimeout?: number;
  /**
   * Milliseconds without a byte going either way before the connection is closed (0: no limit).
   * Defaults to 120 000, twice nginx's default `uwsgi_read_timeout`, so nginx gives up first and
   * says so in its log. A stalled reader of the answer counts as idle too.
   */
  readonly idleTimeout?: number;
  /**
   * Most open connections; further ones are closed at once (nginx answers 502). Defaults to 4096.
   * Each request is one connection (nginx never reuses a uwsgi upstream connection).
   */
  readonly maxConnections?: number;
  /**
   * Milliseconds `close()` waits for requests in flight before closing their connections. Defaults
   * to 10 000.
   */
  readonly closeTimeout?: number;
  /** How vars become strings (`req.url`, headers, `vars.get`). Defaults to `"latin1"` (lossless). */
  readonly encoding?: TextEncoding;
  /** Refuse a CONTENT_LENGTH that is not plain digits (`400`). Defaults to false, as uWSGI reads it. */
  readonly strictContentLength?: boolean;
}

/** The defaults of {@link ServerOptions}. */
export const DEFAULT_SERVER_OPTIONS: Readonly<Required<ServerOptions>> = Object.freeze({
  maxDatasize: MAX_DATASIZE,
  maxVars: 1024,
  maxBodySize: Number.POSITIVE_INFINITY,
  headerTimeout: 10_000,
  idleTimeout: 120_000,
  maxConnections: 4096,
  closeTimeout: 10_000,
  encoding: "latin1",
  strictContentLength: false,
});

/** Resolved options: every field present and checked. */
export type ResolvedServerOptions = Readonly<Required<ServerOptions>>;

// setTimeout's largest delay; beyond it Node fires at once.
const MAX_TIMER = 2_147_483_647;

/** Checks every option at once and fills in defaults; a bad value is an `INVALID_ARGUMENT`. */
export function resolveServerOptions(options: ServerOptions | undefined): ResolvedServerOptions {
  const o = { ...DEFAULT_SERVER_OPTIONS, ...options };
  checkLimit("maxDatasize", o.maxDatasize, MAX_DATASIZE);
  checkLimit("maxVars", o.maxVars, Number.MAX_SAFE_INTEGER);
  checkLimit("maxBodySize", o.maxBodySize, Number.MAX_SAFE_INTEGER);
  checkLimit("headerTimeout", o.headerTimeout, MAX_TIMER);
  checkLimit("idleTimeout", o.idleTimeout, MAX_TIMER);
  checkLimit("closeTimeout", o.closeTimeout, MAX_TIMER);
  if (checkLimit("maxConnections", o.maxConnections, Number.MAX_SAFE_INTEGER) === 0) {
    throw new UwsgiError("INVALID_ARGUMENT", 0, "at least 1", "maxConnections is 0");
  }
  encodingOf(o);
  if (typeof o.strictContentLength !== "boolean") {
    throw new UwsgiError(
      "INVALID_ARGUMENT",
      0,
      "true or false",
      `strictContentLength is ${String(o.strictContentLength)}`,
    );
  }
  return Object.freeze(o);
}

/** The parser options a connection uses; made once per server. */
export function parserOptionsOf(o: ResolvedServerOptions): ParserOptions {
  return Object.freeze({
    mode: "request",
    maxDatasize: o.maxDatasize,
    maxVars: o.maxVars,
    maxBodySize: o.maxBodySize,
    encoding: o.encoding,
    strictContentLength: o.strictContentLength,
    // uWSGI ignores anything after a request; so do we (and never buffer it).
    afterBody: "return",
  });
}
