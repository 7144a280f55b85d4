import type { PickHint } from "./balancer.js";
import type { ClientStream } from "./connection.js";
import type { BackendNode } from "./node.js";
import type { Pool } from "./pool.js";

/** The largest answer head held back to add a Set-Cookie line. */
const MAX_HEAD = 8192;
const CRLF = Buffer.from("\r\n");
const HTTP = Buffer.from("HTTP/");

/** The value of cookie `name` in a Cookie header, or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * The Set-Cookie line (CRLF included) that sends the client back to `node`, or undefined: the
 * pool is not sticky by cookie, or the client's cookie already names the node.
 */
export function setCookieLine(pool: Pool, hint: PickHint, node: BackendNode): string | undefined {
  if (pool.balancer !== "cookie" || hint.sticky === node.token) return undefined;
  return `Set-Cookie: ${pool.cookie}=${node.token}; Path=/; HttpOnly\r\n`;
}

/** The answer's head so far, `held` then `chunk`, in a copy: the read buffer will be reused. */
export function gatherHead(held: Buffer | null, chunk: Buffer): Buffer {
  return held === null ? Buffer.from(chunk) : Buffer.concat([held, chunk]);
}

/**
 * Writes `head`'s status line and `line` after it to the client; returns the rest of `head`, still
 * to write. Null (nothing written) while the status line may still be incomplete; a head that is
 * not HTTP, or has no line end in its first {@link MAX_HEAD} bytes, is returned whole, unchanged.
 */
export function writeStatusLineWith(
  client: ClientStream,
  head: Buffer,
  line: string,
): Buffer | null {
  const eol = head.indexOf(CRLF);
  if (eol < 0 && head.length < MAX_HEAD) return null;
  if (eol < 0 || !head.subarray(0, HTTP.length).equals(HTTP)) return head;
  client.write(head.subarray(0, eol + 2));
  client.write(line);
  return head.subarray(eol + 2);
}
