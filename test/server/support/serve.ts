import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { connect, type Socket } from "node:net";
import { onTestFinished } from "vitest";
import type { ServerOptions } from "../../../src/server/options.js";
import { createServer, type RequestHandler, type UwsgiServer } from "../../../src/server/server.js";

/** Our server on 127.0.0.1 (free port) for one test file. */
export interface Served {
  readonly server: UwsgiServer;
  readonly port: number;
  /** Closes the server (cutting what is left after 500 ms) and waits for every connection. */
  stop(): Promise<void>;
}

/** Starts a server with `handler`; always `stop()` it in afterAll/finally. */
export async function serve(handler?: RequestHandler, options?: ServerOptions): Promise<Served> {
  const server = createServer(handler, { closeTimeout: 500, ...options });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    server,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (!server.listening && server.openConnections === 0) resolve();
        else server.close(() => resolve());
      }),
  };
}

/**
 * {@link serve} inside a test: the server is stopped when the test finishes, passed or failed
 * (vitest's onTestFinished), so a test file needs no list of servers and no afterEach of its own.
 */
export function serveForTest(handler?: RequestHandler, options?: ServerOptions): Promise<Served> {
  const started = serve(handler, options);
  onTestFinished(() =>
    started.then(
      (s) => s.stop(),
      () => undefined,
    ),
  );
  return started;
}

/** The codes of `server`'s 'clientError' events, as they come. */
export function clientErrors(server: UwsgiServer): string[] {
  const codes: string[] = [];
  server.on("clientError", (err) => codes.push(err.code));
  return codes;
}

/** Resolves when `check()` is true; rejects after `ms` (tests stay bounded). */
export async function until(check: () => boolean, ms = 5000, what = "condition"): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A raw connection whose received bytes and close are observable. */
export interface RawClient {
  readonly socket: Socket;
  /** Every byte received so far. */
  received(): Buffer;
  /** Resolves with all bytes once the peer closed (rejects after `ms`). */
  closed(ms?: number): Promise<Buffer>;
}

/** Connects to 127.0.0.1:`port` (or a unix path) and keeps what comes back. */
export function rawClient(target: number | string): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket =
      typeof target === "number" ? connect({ host: "127.0.0.1", port: target }) : connect(target);
    let done = false;
    const closed = new Promise<void>((r) =>
      socket.once("close", () => {
        done = true;
        r();
      }),
    );
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", () => {
      // 'close' follows; tests look at the bytes.
    });
    socket.once("connect", () =>
      resolve({
        socket,
        received: () => Buffer.concat(chunks),
        async closed(ms = 5000) {
          if (!done) {
            let timer: NodeJS.Timeout | undefined;
            await Promise.race([
              closed,
              new Promise((_, rej) => {
                timer = setTimeout(() => {
                  socket.destroy();
                  rej(new Error(`connection still open after ${ms} ms`));
                }, ms);
              }),
            ]).finally(() => clearTimeout(timer));
          }
          return Buffer.concat(chunks);
        },
      }),
    );
    socket.once("error", reject);
  });
}

/** An HTTP answer as the client saw it. */
export interface HttpResult {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
}

/** One HTTP/1.1 request to 127.0.0.1:`port` (nginx), bounded by `timeoutMs`. */
export function fetchHttp(
  port: number,
  path: string,
  init: {
    method?: string;
    headers?: Record<string, string | string[]>;
    body?: Buffer | readonly Buffer[];
    timeoutMs?: number;
  } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: "127.0.0.1",
        port,
        path,
        method: init.method ?? "GET",
        headers: init.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          clearTimeout(timer);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            rawHeaders: res.rawHeaders,
            body: Buffer.concat(chunks),
          });
        });
        res.on("error", reject);
      },
    );
    const timer = setTimeout(() => {
      req.destroy(new Error(`no answer to ${path} within ${init.timeoutMs ?? 15_000} ms`));
    }, init.timeoutMs ?? 15_000);
    req.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    const body = init.body;
    if (body === undefined) req.end();
    else if (Buffer.isBuffer(body)) req.end(body);
    else {
      for (const b of body) req.write(b);
      req.end();
    }
  });
}
