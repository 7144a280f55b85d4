import { createServer, type Server, type Socket } from "node:net";
import { encodeFcgiResponse } from "../fastcgi/response-encode.js";
import type { Scheme } from "./target.js";

// The server a load generator is measured against to find its own ceiling: it parses nothing.
// It knows how many bytes each request takes on the wire, counts them, and answers each whole
// request with canned bytes (closing the connection after each, as uWSGI does, except over HTTP,
// where the connection is kept). Whatever rate the generator reaches against it, no real server
// can be measured above it.

const BODY = "ok";
const CGI_ANSWER = `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`;

/** The canned answer for `scheme`. */
function cannedAnswer(scheme: Scheme): Uint8Array {
  if (scheme === "fastcgi") {
    return encodeFcgiResponse({
      stdout: Buffer.from(`Status: 200 OK\r\nContent-Type: text/plain\r\n\r\n${BODY}`, "latin1"),
    });
  }
  return Buffer.from(CGI_ANSWER, "latin1");
}

/** A running trivial server. */
export interface TrivialServer {
  readonly port: number;
  /** Requests answered so far. */
  answered(): number;
  close(): Promise<void>;
}

/**
 * Starts a trivial server for `scheme` on 127.0.0.1 (a free port) that answers every
 * `requestBytes` bytes it receives. `stall(ms)` makes it hold every answer for `ms` from now.
 */
export function startTrivialServer(
  scheme: Scheme,
  requestBytes: number,
): Promise<TrivialServer & { stall(ms: number): void }> {
  const answer = cannedAnswer(scheme);
  const keep = scheme === "http";
  let answered = 0;
  let stallUntil = 0;
  const sockets = new Set<Socket>();
  const reply = (socket: Socket) => {
    answered++;
    if (keep) socket.write(answer);
    else socket.end(answer);
  };
  const server: Server = createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    let got = 0;
    socket.on("data", (chunk: Buffer) => {
      got += chunk.length;
      while (got >= requestBytes) {
        got -= requestBytes;
        const wait = stallUntil - performance.now();
        if (wait > 0) setTimeout(reply, wait, socket);
        else reply(socket);
      }
    });
    socket.on("error", () => socket.destroy());
    socket.on("close", () => sockets.delete(socket));
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      resolve({
        port,
        answered: () => answered,
        stall(ms: number) {
          stallUntil = performance.now() + ms;
        },
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
