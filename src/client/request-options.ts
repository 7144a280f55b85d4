import type { NetConnectOpts } from "node:net";
import { checkBoolean, checkInteger, checkOptions, invalidArgType } from "../codec/arguments.js";
import type { TextEncoding } from "../codec/text.js";
import type { VarsInput } from "../codec/vars-encode.js";
import type { VarsView } from "../codec/vars-view.js";
import {
  ADDRESS_ALIASES,
  ADDRESS_KEYS,
  checkSignal,
  connectOptions,
  timeoutOption,
  type UwsgiAddress,
} from "./address.js";
import type { RequestBody } from "./request-packet.js";
import type { InformationalAnswer } from "./response.js";

/** Options of {@link request}: where, what to send, and the limits. */
export interface RequestOptions extends UwsgiAddress {
  /** Defaults to 0 (a WSGI request). */
  readonly modifier1?: number;
  /** Defaults to 0. */
  readonly modifier2?: number;
  /** The CGI vars: an object, pairs (order and duplicates kept), a Map, or a decoded `VarsView`. */
  readonly vars?: VarsInput | VarsView;
  /**
   * The body. Bytes and strings (sent as UTF-8) have a known length and CONTENT_LENGTH is added
   * when the vars lack it; a stream (`Readable` or any AsyncIterable of bytes) needs CONTENT_LENGTH
   * in the vars, `contentLength`, or `chunked`. A length that disagrees is `BODY_LENGTH_MISMATCH`.
   */
  readonly body?: RequestBody;
  /** The body's length, for a stream whose vars do not carry CONTENT_LENGTH. */
  readonly contentLength?: number;
  /**
   * Send the body in HTTP/1.1 chunked framing, as uWSGI's http router does with
   * `--http-chunked-input`: the vars get `HTTP_TRANSFER_ENCODING: chunked` and no CONTENT_LENGTH,
   * and the app reads the body with `uwsgi.chunked_read()` (or a server that de-chunks). For a
   * body whose length is not known in advance. Defaults to false.
   */
  readonly chunked?: boolean;
  /** How string vars become bytes. Defaults to `"latin1"` (Node's header strings are latin1). */
  readonly encoding?: TextEncoding;
  /** Milliseconds to connect; 0 = no limit. Defaults to 10000. */
  readonly connectTimeout?: number;
  /** Milliseconds without a byte from the backend once connected; 0 = no limit. Defaults to 60000. */
  readonly timeout?: number;
  /** Largest answer head (status lines + headers, interim answers included), in bytes. Defaults to 65536. */
  readonly maxHeaderSize?: number;
  /** Abort: destroys the connection; the call (or the body stream) fails with `ABORTED`. */
  readonly signal?: AbortSignal;
  /** The answer has no body (a HEAD request). Defaults to REQUEST_METHOD === "HEAD". */
  readonly head?: boolean;
  /**
   * Called with each interim answer (`100 Continue`, `103 Early Hints`...) that comes before the
   * final one, as node:http's `'information'` event. An error it throws rejects the call.
   */
  readonly onInformation?: (info: InformationalAnswer) => void;
}

/** Defaults of {@link RequestOptions}. */
export const DEFAULT_REQUEST_OPTIONS: Readonly<{
  connectTimeout: number;
  timeout: number;
  maxHeaderSize: number;
}> = Object.freeze({ connectTimeout: 10_000, timeout: 60_000, maxHeaderSize: 65_536 });

const KNOWN: readonly string[] = [
  ...ADDRESS_KEYS,
  "modifier1",
  "modifier2",
  "vars",
  "body",
  "contentLength",
  "chunked",
  "encoding",
  "connectTimeout",
  "timeout",
  "maxHeaderSize",
  "signal",
  "head",
  "onInformation",
];

/** node:http and undici names for ours (the unknown-option hint names the right one). */
const ALIASES: Readonly<Record<string, string>> = {
  ...ADDRESS_ALIASES,
  headersTimeout: "timeout",
  bodyTimeout: "timeout",
  maxHeadersSize: "maxHeaderSize",
  headers: "vars",
  method: "vars",
  onInfo: "onInformation",
  information: "onInformation",
};

/** The options of one call, checked, with the defaults in. */
export interface ResolvedRequest {
  readonly address: NetConnectOpts;
  readonly modifier1: number;
  readonly modifier2: number;
  readonly contentLength: number | undefined;
  readonly chunked: boolean;
  readonly connectTimeout: number;
  readonly timeout: number;
  readonly maxHeaderSize: number;
  readonly signal: AbortSignal | undefined;
  readonly head: boolean | undefined;
  readonly onInformation: ((info: InformationalAnswer) => void) | undefined;
}

/**
 * Checks every option of {@link request} (vars, body and encoding are the packet's: see
 * `planRequest`); throws Node's argument errors (`ERR_INVALID_ARG_TYPE`, `ERR_OUT_OF_RANGE`,
 * `ERR_UNKNOWN_OPTION`...).
 */
export function resolveRequestOptions(options: unknown): ResolvedRequest {
  if (options === null || typeof options !== "object") {
    throw invalidArgType("options", "of type object", options);
  }
  checkOptions("request()", options, KNOWN, ALIASES);
  const o = options as RequestOptions;
  const d = DEFAULT_REQUEST_OPTIONS;
  const onInformation = o.onInformation;
  if (onInformation !== undefined && typeof onInformation !== "function") {
    throw invalidArgType("options.onInformation", "of type function", onInformation);
  }
  return {
    address: connectOptions(o),
    modifier1:
      o.modifier1 === undefined ? 0 : checkInteger("options.modifier1", o.modifier1, 0, 255),
    modifier2:
      o.modifier2 === undefined ? 0 : checkInteger("options.modifier2", o.modifier2, 0, 255),
    contentLength:
      o.contentLength === undefined
        ? undefined
        : checkInteger("options.contentLength", o.contentLength, 0, Number.MAX_SAFE_INTEGER),
    chunked: o.chunked === undefined ? false : checkBoolean("options.chunked", o.chunked),
    connectTimeout: timeoutOption("options.connectTimeout", o.connectTimeout, d.connectTimeout),
    timeout: timeoutOption("options.timeout", o.timeout, d.timeout),
    maxHeaderSize:
      o.maxHeaderSize === undefined
        ? d.maxHeaderSize
        : checkInteger("options.maxHeaderSize", o.maxHeaderSize, 16, 2_147_483_647),
    signal: checkSignal("options.signal", o.signal),
    head: o.head === undefined ? undefined : checkBoolean("options.head", o.head),
    onInformation,
  };
}
