import type { IncomingMessage, ServerResponse } from "node:http";
import { Duplex } from "node:stream";
import { varsFromRequest } from "../client/vars-from-request.js";
import { encodePacket } from "../codec/packet.js";

/** Largest chunked request body buffered to learn its CONTENT_LENGTH (uwsgi has no chunked framing). */
export const MAX_BUFFERED_BODY: number = 1024 * 1024;

/**
 * The HTTP front of the router: a node:http request becomes the uwsgi packet nginx would send
 * (`varsFromRequest`, Debian's uwsgi_params) and its body, fed to the same path as a uwsgi
 * connection; the backend's answer (raw HTTP from uWSGI) goes to the client's socket byte for
 * byte, and the connection closes after it, as uWSGI's http router without keep-alive does.
 * A chunked body is read whole first (up to 1 MiB, else 413), as nginx does for uwsgi.
 * @internal
 */
export function httpToUwsgi(
  req: IncomingMessage,
  res: ServerResponse,
  accept: (stream: Duplex & { remoteAddress: string | undefined }) => void,
): void {
  let vars: [string, string][];
  try {
    vars = varsFromRequest(req);
  } catch {
    res
      .writeHead(400, { "Content-Type": "text/plain", Connection: "close" })
      .end("400 Bad Request\n");
    return;
  }
  const chunked =
    req.headers["content-length"] === undefined && req.headers["transfer-encoding"] !== undefined;
  if (!chunked) {
    bridge(req, res, vars, undefined, accept);
    return;
  }
  const pieces: Buffer[] = [];
  let size = 0;
  req.on("data", (piece: Buffer) => {
    size += piece.length;
    if (size > MAX_BUFFERED_BODY) {
      req.removeAllListeners("data");
      req.resume();
      res
        .writeHead(413, { "Content-Type": "text/plain", Connection: "close" })
        .end("413 Content Too Large\n");
      return;
    }
    pieces.push(piece);
  });
  req.on("end", () => {
    if (size > MAX_BUFFERED_BODY) return;
    const body = Buffer.concat(pieces);
    const withLength = vars.map(([k, v]): [string, string] => [
      k,
      k === "CONTENT_LENGTH" ? String(body.length) : v,
    ]);
    bridge(req, res, withLength, body, accept);
  });
}

function bridge(
  req: IncomingMessage,
  res: ServerResponse,
  vars: [string, string][],
  body: Buffer | undefined,
  accept: (stream: Duplex & { remoteAddress: string | undefined }) => void,
): void {
  const socket = req.socket;
  // The router owns the socket from here: node:http must not answer on it (nor keep it alive).
  res.shouldKeepAlive = false;
  const stream = new Duplex({
    allowHalfOpen: true,
    read() {
      if (body === undefined) req.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      socket.write(chunk, callback);
    },
    final(callback) {
      socket.end(callback);
    },
    destroy(err, callback) {
      socket.destroy();
      callback(err);
    },
  }) as Duplex & { remoteAddress: string | undefined };
  stream.remoteAddress = socket.remoteAddress;
  socket.once("close", () => stream.destroy());
  stream.push(Buffer.from(encodePacket({ vars })));
  if (body !== undefined) {
    if (body.length > 0) stream.push(body);
    stream.push(null);
  } else {
    req.on("data", (piece: Buffer) => {
      if (!stream.push(piece)) req.pause();
    });
    req.once("end", () => stream.push(null));
  }
  accept(stream);
}
