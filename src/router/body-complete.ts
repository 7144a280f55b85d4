import type { VarsView } from "../codec/vars-view.js";

/**
 * True when `bodyBytes` after the packet are the request's whole body: the body its CONTENT_LENGTH
 * announces (none when empty or missing, as uWSGI reads it), not a byte more, and no chunked body
 * follows. The router then closes the client's connection with the answer instead of half-closing
 * it and waiting for the client to close. @internal
 */
export function bodyComplete(vars: VarsView, bodyBytes: number): boolean {
  let length: number;
  try {
    length = vars.contentLength();
  } catch {
    return false; // too large to be exact: not a body that went through
  }
  if (bodyBytes !== length) return false;
  // A chunked body comes without CONTENT_LENGTH (uWSGI's http router sends one so).
  return length > 0 || !vars.has("HTTP_TRANSFER_ENCODING");
}
