// An obvious chunked framer for tests, sharing nothing with src/: the body cut into chunks of
// the given sizes (cycled), each `hex CRLF data CRLF`, then the last chunk and the final CRLF.

/** `body` framed as an HTTP/1.1 chunked body, in chunks of `sizes` bytes (cycled; default 1 chunk). */
export function chunkedBody(
  body: Uint8Array,
  sizes: readonly number[] = [body.length || 1],
): Buffer {
  const parts: Buffer[] = [];
  let i = 0;
  for (let at = 0; at < body.length; i++) {
    const n = Math.min(Math.max(1, sizes[i % sizes.length]!), body.length - at);
    parts.push(
      Buffer.from(`${n.toString(16)}\r\n`, "latin1"),
      Buffer.from(body.subarray(at, at + n)),
      Buffer.from("\r\n"),
    );
    at += n;
  }
  parts.push(Buffer.from("0\r\n\r\n", "latin1"));
  return Buffer.concat(parts);
}

/** Deterministic pseudo-random bytes (xorshift), so a failing body can be made again. */
export function patternBytes(size: number, seed = 0x9e3779b9): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
