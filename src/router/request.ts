import { checkInteger, invalidArgType, invalidArgValue } from "../codec/arguments.js";
import type { ClientStream } from "./connection.js";
import type { VarsEditor } from "./vars-editor.js";

/** Header values of a direct answer: one string, or several for repeated headers. */
export type AnswerHeaders = Readonly<Record<string, string | number | readonly string[]>>;

/**
 * A request on its way through the router, as middleware sees it. Middleware may edit `vars`,
 * set `modifier1`/`modifier2`, choose `pool`, or answer it at once with `respond`/`redirect`.
 */
export class RouterRequest {
  /** The request's vars, editable; an unedited request is forwarded as the bytes it came in. */
  readonly vars: VarsEditor;
  /** modifier1 to send (the packet's, unless changed; a subscribed node's value overrides it). */
  modifier1: number;
  /** modifier2 to send. */
  modifier2: number;
  /** The pool the request goes to: the one named by its key, else the default pool. */
  pool: string | undefined;
  /** The routing key (FastRouter's, or what the `key` option returned). */
  readonly key: string | undefined;
  /** True when `source` is trusted (its `UWSGI_*` vars were kept). */
  readonly trusted: boolean;
  /** The modifiers the packet came with. */
  readonly originalModifier1: number;
  readonly originalModifier2: number;
  #answer: Uint8Array | undefined = undefined;
  #source: string | undefined;
  readonly #client: ClientStream | undefined;

  /** @internal */
  constructor(
    vars: VarsEditor,
    modifier1: number,
    modifier2: number,
    key: string | undefined,
    pool: string | undefined,
    source: string | ClientStream,
    trusted: boolean,
  ) {
    this.vars = vars;
    this.modifier1 = modifier1;
    this.modifier2 = modifier2;
    this.originalModifier1 = modifier1;
    this.originalModifier2 = modifier2;
    this.key = key;
    this.pool = pool;
    if (typeof source === "string") this.#source = source;
    else this.#client = source;
    this.trusted = trusted;
  }

  /** Who sent it: the peer's IP address, or `"unix"` for a unix socket connection. */
  get source(): string {
    if (this.#source === undefined) this.#source = sourceOf(this.#client!);
    return this.#source;
  }

  /** True once `respond` or `redirect` was called: the chain stops and no backend is asked. */
  get answered(): boolean {
    return this.#answer !== undefined;
  }

  /** @internal The direct answer's bytes. */
  get answer(): Uint8Array | undefined {
    return this.#answer;
  }

  /**
   * Answers the request without a backend: an HTTP/1.1 answer with `Content-Length` (uWSGI answers
   * requests in HTTP too; nginx passes it on). Header names and values may not hold CR, LF or NUL.
   */
  respond(status: number, headers: AnswerHeaders = {}, body: string | Uint8Array = ""): void {
    checkInteger("status", status, 100, 999);
    if (headers === null || typeof headers !== "object") {
      throw invalidArgType("headers", "of type object", headers);
    }
    if (typeof body !== "string" && !(body instanceof Uint8Array)) {
      throw invalidArgType("body", "a string or a Uint8Array", body);
    }
    const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
    let head = `HTTP/1.1 ${status} ${REASONS[status] ?? "Status"}\r\n`;
    let hasType = false;
    for (const name of Object.keys(headers)) {
      if (!/^[!#-'*+.^-z|~0-9A-Z-]+$/.test(name)) {
        throw invalidArgValue("headers", name, "has a name that is not an HTTP token");
      }
      const lower = name.toLowerCase();
      if (lower === "content-length") continue;
      if (lower === "content-type") hasType = true;
      const value = headers[name]!;
      for (const v of Array.isArray(value) ? value : [value]) {
        const text = String(v);
        if (/[\r\n\0]/.test(text))
          throw invalidArgValue(`headers.${name}`, text, "holds CR, LF or NUL");
        head += `${name}: ${text}\r\n`;
      }
    }
    if (!hasType && bytes.length > 0) head += "Content-Type: text/plain; charset=utf-8\r\n";
    head += `Content-Length: ${bytes.length}\r\n\r\n`;
    const headBytes = Buffer.from(head, "latin1");
    const out = new Uint8Array(headBytes.length + bytes.length);
    out.set(headBytes, 0);
    out.set(bytes, headBytes.length);
    this.#answer = out;
  }

  /** Answers with a redirect to `location` (302 by default). */
  redirect(location: string, status = 302): void {
    if (typeof location !== "string") throw invalidArgType("location", "of type string", location);
    checkInteger("status", status, 300, 399);
    this.respond(status, { Location: location });
  }
}

/** Reason phrases of the statuses a router answers itself. */
export const REASONS: Readonly<Record<number, string>> = {
  200: "OK",
  204: "No Content",
  301: "Moved Permanently",
  302: "Found",
  303: "See Other",
  307: "Temporary Redirect",
  308: "Permanent Redirect",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  408: "Request Timeout",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/** A middleware: a plain function over the request; it may return a promise. */
export type Middleware = (req: RouterRequest) => void | Promise<void>;

/** The source of a connection for trust decisions: its IP (IPv4 unmapped), or "unix". @internal */
export function sourceOf(socket: ClientStream): string {
  const remote = socket.remoteAddress;
  if (remote === undefined) return "unix";
  return remote.startsWith("::ffff:") ? remote.slice(7) : remote;
}
