/** Longest HTTP answer head held while looking for its end. */
export const MAX_HTTP_HEAD: number = 64 * 1024;

/** An HTTP answer's head, read: status line, status code, header lines, Content-Length. */
export interface HttpHead {
  readonly statusLine: string;
  /** The status code, or 0 when the status line has none. */
  readonly status: number;
  readonly headers: [string, string][];
  /** The Content-Length header's value, or -1 without a usable one. */
  readonly contentLength: number;
}

/**
 * Where the blank line that ends an HTTP head is: the index in `data` just past its LF, or -1.
 * `held` is the head gathered before `data` (its last 3 bytes may start the CR LF CR LF).
 */
export function headEndIn(data: Uint8Array, held: Uint8Array, heldLength: number): number {
  for (let i = 0; i < data.length; i++) {
    if (data[i] !== 0x0a) continue;
    const at = heldLength + i;
    if (at < 3) continue;
    if (
      byteAt(at - 1, data, held, heldLength) === 0x0d &&
      byteAt(at - 2, data, held, heldLength) === 0x0a &&
      byteAt(at - 3, data, held, heldLength) === 0x0d
    ) {
      return i + 1;
    }
  }
  return -1;
}

function byteAt(at: number, data: Uint8Array, held: Uint8Array, heldLength: number): number {
  return at >= heldLength ? data[at - heldLength]! : held[at]!;
}

const HTTP_PREFIX = [0x48, 0x54, 0x54, 0x50, 0x2f]; // "HTTP/"

/** True when `data`, following `held` bytes of an answer, keeps it a possible `HTTP/` start. */
export function continuesHttpPrefix(data: Uint8Array, held: number): boolean {
  for (let i = held; i < HTTP_PREFIX.length && i - held < data.length; i++) {
    if (data[i - held] !== HTTP_PREFIX[i]) return false;
  }
  return true;
}

/** Reads a whole head (`head[0, length)`, its blank line included). */
export function parseHttpHead(head: Buffer, length: number): HttpHead {
  const lines = head.toString("latin1", 0, length - 4).split("\r\n");
  const statusLine = lines[0]!;
  const sp = statusLine.indexOf(" ");
  const code = sp < 0 ? Number.NaN : Number.parseInt(statusLine.slice(sp + 1, sp + 4), 10);
  const headers: [string, string][] = [];
  let contentLength = -1;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(":");
    const name = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).trim();
    headers.push([name, value]);
    if (name.toLowerCase() === "content-length") {
      const n = Number.parseInt(value, 10);
      if (Number.isSafeInteger(n) && n >= 0) contentLength = n;
    }
  }
  return { statusLine, status: Number.isInteger(code) ? code : 0, headers, contentLength };
}
