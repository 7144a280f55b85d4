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

const BLANK_LINE = Buffer.from("\r\n\r\n", "latin1");

/**
 * Where the blank line that ends an HTTP head is: the index in `data` just past its LF, or -1.
 * `held` is the head gathered before `data` (its last 3 bytes may start the CR LF CR LF).
 */
export function headEndIn(data: Buffer, held: Uint8Array, heldLength: number): number {
  // Across the seam: the blank line starting in the last 3 held bytes.
  for (let k = Math.max(0, heldLength - 3); k < heldLength; k++) {
    const inData = 4 - (heldLength - k);
    if (inData > data.length) break;
    let match = true;
    for (let j = 0; j < 4 && match; j++) {
      const at = k + j;
      match = (at < heldLength ? held[at] : data[at - heldLength]) === BLANK_LINE[j];
    }
    if (match) return inData;
  }
  // Inside `data`: a native search (a byte loop here ran interpreted for most answers).
  const i = data.indexOf(BLANK_LINE);
  return i < 0 ? -1 : i + 4;
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
    if (name.length === 14 && name.toLowerCase() === "content-length") {
      const n = Number.parseInt(value, 10);
      if (Number.isSafeInteger(n) && n >= 0) contentLength = n;
    }
  }
  return { statusLine, status: Number.isInteger(code) ? code : 0, headers, contentLength };
}
