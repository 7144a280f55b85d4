/**
 * @internal RFC 9110 token characters, by byte (1 for a token character, 0 else): what a header or
 * trailer field name is made of. Read by the chunked decoder (trailers), the server (header names
 * a handler sets) and the client (header names in an answer).
 */
export const TOKEN: Uint8Array = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TOKEN[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TOKEN[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TOKEN[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TOKEN[c] = 1;
