import { UwsgiError } from "../codec/errors.js";
import type { VarsView } from "../codec/vars-view.js";

/**
 * How a request's body is framed on the stream after its packet:
 * - `"length"`: CONTENT_LENGTH bytes (more than 0), as nginx and uWSGI send it;
 * - `"chunked"`: HTTP/1.1 chunked framing, up to the last chunk, as uWSGI's http router
 *   (`--http-chunked-input`) and `router_uwsgi` forward an upload of unknown length;
 * - `"none"`: no body.
 */
export type BodyMode = "none" | "length" | "chunked";

/**
 * The body framing a request packet announces (`length` is its CONTENT_LENGTH, read as uWSGI
 * reads it). The rule, and why:
 *
 * 1. A packet with a CONTENT_LENGTH var is read as uWSGI reads it, whatever
 *    HTTP_TRANSFER_ENCODING says: nginx de-chunks a chunked upload itself, sends the decoded
 *    length as CONTENT_LENGTH and still passes the client's `Transfer-Encoding: chunked` on as
 *    HTTP_TRANSFER_ENCODING (and sends an empty CONTENT_LENGTH for a request without a body);
 *    uWSGI's http router, given both headers, forwards CONTENT_LENGTH bytes; uWSGI's own reader
 *    ignores the var. (HTTP's rule, chunked over Content-Length, is the client's side of the
 *    proxy; here the body has already been reframed.)
 * 2. Without CONTENT_LENGTH, an HTTP_TRANSFER_ENCODING whose last coding is `chunked` means the
 *    chunked stream follows: what uWSGI's http router (`--http-chunked-input`) and `router_uwsgi`
 *    send, and `uwsgi.chunked_read()` reads.
 * 3. Without CONTENT_LENGTH, any other HTTP_TRANSFER_ENCODING is refused
 *    (`UNSUPPORTED_TRANSFER_ENCODING`, offset `at`): a body follows whose end cannot be known, as
 *    HTTP refuses it (nginx answers 501).
 * 4. Else there is no body; bytes after the packet are not the request's.
 */
export function bodyModeOf(vars: VarsView, length: number, at: number): BodyMode {
  if (length > 0) return "length";
  // nginx always sends CONTENT_LENGTH (empty without a body): the decoding walk noted it, so most
  // requests stop here with no look-up. Only a packet without one is searched for a coding.
  if (vars.hasContentLength || vars.indexOf("HTTP_TRANSFER_ENCODING") < 0) return "none";
  const codings = vars.getAll("HTTP_TRANSFER_ENCODING").join(",");
  if (lastCodingIsChunked(codings)) return "chunked";
  throw new UwsgiError(
    "UNSUPPORTED_TRANSFER_ENCODING",
    at,
    "a transfer coding ending in chunked, or a CONTENT_LENGTH",
    `HTTP_TRANSFER_ENCODING "${codings.slice(0, 64)}" does not end in chunked and there is no CONTENT_LENGTH`,
  );
}

/** True when the last of a comma-separated list of codings is `chunked` (any case, OWS around). */
function lastCodingIsChunked(list: string): boolean {
  let end = list.length;
  while (end > 0 && isOws(list.charCodeAt(end - 1))) end--;
  let start = list.lastIndexOf(",", end - 1) + 1;
  while (start < end && isOws(list.charCodeAt(start))) start++;
  return end - start === 7 && list.slice(start, end).toLowerCase() === "chunked";
}

function isOws(c: number): boolean {
  return c === 0x20 || c === 0x09;
}
