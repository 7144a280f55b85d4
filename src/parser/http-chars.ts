// The characters of HTTP field syntax (RFC 9110 section 5), shared by the chunked decoder
// (extensions, trailers), the server (the header names and values a handler sets) and the client
// (the head of an answer).

/**
 * @internal Token characters by byte (1 for a token character, 0 else): what a header or trailer
 * field name is made of.
 */
export const TOKEN: Uint8Array = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TOKEN[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TOKEN[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TOKEN[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TOKEN[c] = 1;

/**
 * @internal True for a byte a field value, a reason phrase or a chunk extension may hold: HTAB,
 * space, visible ASCII and 0x80-0xFF; not the other control bytes (CR and LF end a line) or DEL.
 */
export function isFieldByte(c: number): boolean {
  return c === 0x09 || (c >= 0x20 && c !== 0x7f);
}
