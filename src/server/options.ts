import { checkBoolean, checkInteger, checkOptions, outOfRange } from "../codec/arguments.js";
import { MAX_DATASIZE } from "../codec/constants.js";
import { type TextEncodingName, textEncoding } from "../codec/text.js";
import type { ParserOptions } from "../parser/packet-parser.js";

/**
 * Options of {@link createServer}. Each field's default is in {@link DEFAULT_SERVER_OPTIONS}.
 * Names are `node:http`'s where the meaning is the same (`headersTimeout`, `requestTimeout`,
 * `maxConnections`); `node:http`'s spelling of one of ours (`maxHeaderSize`, `maxHeadersCount`,
 * `timeout`) is refused with a hint naming ours.
 */
export interface ServerOptions {
  /**
   * Largest vars block accepted, 0-65535 (what `maxHeaderSize` is to `node:http`). Defaults to
   * 65535: nginx sends up to 65535 bytes of vars (and answers 500 itself beyond), so anything nginx
   * forwards is served. A larger datasize is answered `431` and the connection closed.
   */
  readonly maxDatasize?: number;
  /**
   * Most vars in one request (Infinity for no limit; what `maxHeadersCount` is to `node:http`).
   * Defaults to 1024: nginx sends 15 params plus one var per request header; 65535 bytes already
   * bound the block. Over it: `431`.
   */
  readonly maxVars?: number;
  /**
   * Largest body accepted, in bytes (Infinity for no limit): a CONTENT_LENGTH over it is refused
   * before any body byte, a chunked body when its chunks would cross it. Defaults to Infinity: the
   * body is streamed with backpressure, never held, so its size costs no memory; nginx's
   * `client_max_body_size` (1m by default) is where the policy usually lives. Over it: `413`.
   */
  readonly maxBodySize?: number;
  /**
   * Milliseconds from accepting a connection to having its whole request packet (0: no limit), as
   * `node:http`'s `headersTimeout`. Defaults to 10 000; nginx writes the packet as soon as it
   * connects. Past it: `408`, close.
   */
  readonly headersTimeout?: number;
  /**
   * Milliseconds from accepting a connection to the end of the request body (0: no limit), as
   * `node:http`'s `requestTimeout`, and its default: 300 000. It bounds a peer that sends one byte
   * per `idleTimeout`. Past it: `408` if nothing was answered yet, else the connection is cut;
   * `'clientError'` `REQUEST_TIMEOUT` either way. Must not be below `headersTimeout` (unless 0).
   */
  readonly requestTimeout?: number;
  /**
   * Milliseconds without a byte going either way before the connection is closed (0: no limit;
   * what `server.timeout` is to `node:http`). Defaults to 120 000, twice nginx's default
   * `uwsgi_read_timeout`, so nginx gives up first and says so in its log. A stalled reader of the
   * answer counts as idle too.
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
  /**
   * How vars become strings (`req.url`, headers, `vars.get`): `"latin1"` (or `"binary"`) or
   * `"utf8"` (or `"utf-8"`). Defaults to `"latin1"` (lossless).
   */
  readonly encoding?: TextEncodingName;
  /** Refuse a CONTENT_LENGTH that is not plain digits (`400`). Defaults to false, as uWSGI reads it. */
  readonly strictContentLength?: boolean;
  /**
   * Accept a chunked body: a packet with `HTTP_TRANSFER_ENCODING: chunked` and no CONTENT_LENGTH,
   * followed by the chunked stream, as uWSGI's http router (`--http-chunked-input`) and
   * `router_uwsgi` send an upload of unknown length. Defaults to true: the request's stream gives
   * the decoded bytes. false answers `411 Length Required` (`'clientError'` `LENGTH_REQUIRED`).
   */
  readonly allowChunked?: boolean;
}

/** The defaults of {@link ServerOptions}. */
export const DEFAULT_SERVER_OPTIONS: Readonly<Required<ServerOptions>> = Object.freeze({
  maxDatasize: MAX_DATASIZE,
  maxVars: 1024,
  maxBodySize: Number.POSITIVE_INFINITY,
  headersTimeout: 10_000,
  requestTimeout: 300_000,
  idleTimeout: 120_000,
  maxConnections: 4096,
  closeTimeout: 10_000,
  encoding: "latin1",
  strictContentLength: false,
  allowChunked: true,
});

/** Resolved options: every field present and checked. */
export type ResolvedServerOptions = Readonly<Required<ServerOptions>>;

const KEYS = Object.keys(DEFAULT_SERVER_OPTIONS);
// node:http's names for options of ours, and our own former names.
const ALIASES: Readonly<Record<string, string>> = {
  maxHeaderSize: "maxDatasize",
  maxHeadersCount: "maxVars",
  timeout: "idleTimeout",
  headerTimeout: "headersTimeout",
};
// setTimeout's largest delay; beyond it Node fires at once.
const MAX_TIMER = 2_147_483_647;

/**
 * Checks every option at once and fills in defaults. An unknown key is `ERR_UNKNOWN_OPTION`, a
 * wrong type `ERR_INVALID_ARG_TYPE`, a number out of range `ERR_OUT_OF_RANGE`.
 */
export function resolveServerOptions(options: unknown): ResolvedServerOptions {
  checkOptions("createServer", options, KEYS, ALIASES);
  // An option given as undefined takes its default, as in node:http.
  const o: Record<string, unknown> = { ...DEFAULT_SERVER_OPTIONS };
  if (options !== undefined) {
    for (const key of KEYS) {
      const value = (options as Record<string, unknown>)[key];
      if (value !== undefined) o[key] = value;
    }
  }
  checkInteger("options.maxDatasize", o.maxDatasize, 0, MAX_DATASIZE);
  checkInteger("options.maxVars", o.maxVars, 0, Number.POSITIVE_INFINITY);
  checkInteger("options.maxBodySize", o.maxBodySize, 0, Number.POSITIVE_INFINITY);
  const headers = checkInteger("options.headersTimeout", o.headersTimeout, 0, MAX_TIMER);
  const request = checkInteger("options.requestTimeout", o.requestTimeout, 0, MAX_TIMER);
  checkInteger("options.idleTimeout", o.idleTimeout, 0, MAX_TIMER);
  checkInteger("options.closeTimeout", o.closeTimeout, 0, MAX_TIMER);
  checkInteger("options.maxConnections", o.maxConnections, 1, Number.MAX_SAFE_INTEGER);
  o.encoding = textEncoding("options.encoding", o.encoding);
  checkBoolean("options.strictContentLength", o.strictContentLength);
  checkBoolean("options.allowChunked", o.allowChunked);
  // As node:http: the packet's deadline cannot be later than the whole request's.
  if (request > 0 && headers > request) {
    throw outOfRange(
      "options.headersTimeout",
      `<= requestTimeout (${request}) when requestTimeout is not 0`,
      headers,
    );
  }
  return Object.freeze(o) as ResolvedServerOptions;
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
    // Bytes after a request are read and dropped, never held (see the connection).
    afterBody: "return",
  });
}
