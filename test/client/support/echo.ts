import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import type { UwsgiResponse } from "../../../src/client/response.js";

/** What fixtures/apps/environ_echo.py answered, decoded from a client response. */
export interface Echo {
  readonly environ: Map<string, Buffer>;
  readonly bodyLength: number;
  readonly bodySha256: string;
}

export async function readEcho(response: UwsgiResponse): Promise<Echo> {
  const raw = await buffer(response.body);
  const json = JSON.parse(raw.toString("utf8")) as {
    environ: [string, string][];
    body_length: number;
    body_sha256: string;
  };
  const environ = new Map<string, Buffer>();
  for (const [k, v] of json.environ) {
    environ.set(Buffer.from(k, "hex").toString("latin1"), Buffer.from(v, "hex"));
  }
  return { environ, bodyLength: json.body_length, bodySha256: json.body_sha256 };
}

const BLOCK = Buffer.alloc(65536);
for (let i = 0; i < BLOCK.length; i++) BLOCK[i] = i & 0xff;

/** sha256 of the app's /stream/N body: bytes 0..255 repeated. */
export function streamSha256(n: number): string {
  const hash = createHash("sha256");
  for (let left = n; left > 0; left -= BLOCK.length) {
    hash.update(left >= BLOCK.length ? BLOCK : BLOCK.subarray(0, left));
  }
  return hash.digest("hex");
}

/** Rejects with what `body` errors with (or resolves undefined if it ends cleanly). */
export function bodyError(body: Readable): Promise<Error | undefined> {
  return new Promise((resolve) => {
    body.on("error", resolve);
    body.on("end", () => resolve(undefined));
    body.resume();
  });
}
