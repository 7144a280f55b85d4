import { connect, type Socket } from "node:net";

/** What came back on a connection: every byte until the peer closed it. */
export interface Exchange {
  readonly answer: Buffer;
}

/**
 * Connects to 127.0.0.1:`port`, writes `parts` (corked, as separate writes: a packet then its body
 * is how a client sends a request), half-closes only if asked, and reads until the peer closes.
 * Bounded by `timeoutMs`: the socket is destroyed and the promise rejects when it passes.
 */
export function exchange(
  port: number,
  parts: readonly Uint8Array[],
  timeoutMs = 10_000,
): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket: Socket = connect({ host: "127.0.0.1", port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer from 127.0.0.1:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on("connect", () => {
      socket.cork();
      for (const part of parts) socket.write(part);
      socket.uncork();
    });
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ answer: Buffer.concat(chunks) });
    });
  });
}

/** An HTTP-style answer split into its status line, headers and body. */
export interface HttpAnswer {
  readonly statusLine: string;
  readonly status: number;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer;
}

/** Splits raw HTTP/1.x answer bytes (what uWSGI writes back on a uwsgi socket). */
export function parseHttpAnswer(raw: Buffer): HttpAnswer {
  const sep = raw.indexOf("\r\n\r\n");
  if (sep < 0)
    throw new Error(
      `no end of headers in ${raw.length} bytes: ${raw.subarray(0, 200).toString("latin1")}`,
    );
  const lines = raw.subarray(0, sep).toString("latin1").split("\r\n");
  const statusLine = lines[0] ?? "";
  const status = Number(statusLine.split(" ")[1]);
  const headers = lines.slice(1).map((line): [string, string] => {
    const colon = line.indexOf(":");
    return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
  });
  return { statusLine, status, headers, body: raw.subarray(sep + 4) };
}

/**
 * Raw HTTP request bytes from a template: one header per line (indentation trimmed), CRLF line
 * ends, the blank line, then `body`. Raw, so tests control every byte nginx receives.
 */
export function rawHttp(head: string, body?: Buffer): Buffer {
  const lines = head
    .trim()
    .split("\n")
    .map((l) => l.trim());
  const h = Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1");
  return body === undefined ? h : Buffer.concat([h, body]);
}
