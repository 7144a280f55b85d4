// Request bodies for the capture scripts and the tests: deterministic bytes, so a re-run sends
// (and a failing test can make again) the same body, and an obvious HTTP/1.1 chunked framer that
// shares nothing with src/.

/** `size` pseudo-random bytes (xorshift32 from `seed`): the same bytes for the same seed. */
export function patternBytes(size, seed = 0x9e3779b9) {
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

/**
 * `body` framed as an HTTP/1.1 chunked body in chunks of `sizes` bytes (cycled; default one
 * chunk), each `hex CRLF data CRLF`, then the last chunk and the final CRLF.
 */
export function chunkedBody(body, sizes = [body.length || 1]) {
  const parts = [];
  let i = 0;
  for (let at = 0; at < body.length; i++) {
    const n = Math.min(Math.max(1, sizes[i % sizes.length]), body.length - at);
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
