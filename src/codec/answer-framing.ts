// What comes back after a request, by its modifiers: the answer a reader of a connection (a
// client, a capture decoder, the Wireshark dissector) must expect. From uWSGI 2.0's plugins, and
// checked against them by test/packets. Pure.

import { checkInteger } from "./arguments.js";
import { MAX_U8 } from "./constants.js";
import { Modifier1, payloadKindOf } from "./modifiers.js";

/**
 * How an answer is framed:
 * - `http`: HTTP/1.x bytes (status line, headers, body), ended by `Content-Length` or the close.
 * - `packet`: one uwsgi packet, its header and datasize bytes (a pong, a [255, 0, 0, s] status).
 * - `rpc`: `[173, len, 0]` + result, or `[173, n, 5]` + vars {CONTENT_LENGTH} + that many bytes.
 * - `cache`: `[111, n, 17]` + vars {status, size, expires} + `size` bytes of value.
 * - `dump`: `[111, n, 7]` + vars {items, blocksize}, then raw bytes to the close.
 * - `raw`: bytes to the close, without a header (echo, RPC modifier2 1, cache get 0 and 5, whose
 *   first 4 bytes are a pointer uWSGI 2.0 writes by mistake).
 * - `none`: nothing comes back (cache set and delete, datagrams).
 */
export type AnswerFraming = "http" | "packet" | "rpc" | "cache" | "dump" | "raw" | "none";

/**
 * What follows a request packet on the same stream, before the answer:
 * - `content-length`: a body of CONTENT_LENGTH bytes (requests with vars);
 * - `size`: `size` bytes of value (a cache set or update, modifier2 17);
 * - `none`: nothing.
 */
export type RequestTrailer = "content-length" | "size" | "none";

/** The answer uWSGI sends to a request with these modifiers. */
export function answerFramingOf(modifier1: number, modifier2: number): AnswerFraming {
  checkInteger("modifier1", modifier1, 0, MAX_U8);
  checkInteger("modifier2", modifier2, 0, MAX_U8);
  switch (modifier1) {
    case Modifier1.PING:
    case Modifier1.SIGNAL:
    case Modifier1.SPOOLER:
      return "packet";
    case Modifier1.ECHO:
      return "raw";
    case Modifier1.RPC:
      if (modifier2 === 0) return "rpc";
      if (modifier2 === 2 || modifier2 === 3) return "http";
      return "raw";
    case Modifier1.CACHE:
      if (modifier2 === 17) return "cache";
      if (modifier2 === 6) return "dump";
      if (modifier2 === 0 || modifier2 === 5) return "raw";
      // 3 and 4 answer a value as bare bytes, or (get) an HTTP 404; 2.0.x always 404s.
      if (modifier2 === 3 || modifier2 === 4) return "raw";
      return "none";
    case Modifier1.SUBSCRIPTION:
    case Modifier1.LEGION:
    case Modifier1.MULTICAST_ANNOUNCE:
    case Modifier1.MULTICAST:
    case Modifier1.SNMP:
      return "none";
    default:
      return payloadKindOf(modifier1, modifier2) === "vars" ? "http" : "raw";
  }
}

/** What follows a request packet with these modifiers before its answer. */
export function requestTrailerOf(modifier1: number, modifier2: number): RequestTrailer {
  const framing = answerFramingOf(modifier1, modifier2);
  if (modifier1 === Modifier1.CACHE && modifier2 === 17) return "size";
  return framing === "http" && payloadKindOf(modifier1, modifier2) === "vars"
    ? "content-length"
    : "none";
}
