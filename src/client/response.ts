import type { IncomingHttpHeaders } from "node:http";
import type { Readable } from "node:stream";
import type { AnswerHead } from "./answer-head.js";

/**
 * Headers whose repeats node:http drops (the first one wins): a second value of these would be
 * ambiguous, not a list. Every other header but two is joined with ", ".
 */
const FIRST_WINS: ReadonlySet<string> = new Set([
  "age",
  "authorization",
  "content-length",
  "content-type",
  "etag",
  "expires",
  "from",
  "host",
  "if-modified-since",
  "if-unmodified-since",
  "last-modified",
  "location",
  "max-forwards",
  "proxy-authorization",
  "referer",
  "retry-after",
  "server",
  "user-agent",
]);

/**
 * `rawHeaders` as node:http's `IncomingMessage.headers` makes them: lower-case names; Set-Cookie
 * always an array; Cookie repeats joined with "; "; the {@link FIRST_WINS} headers keep their
 * first value; every other repeat joined with ", ". The object has no prototype, so a header
 * named `__proto__` is an ordinary key.
 */
export function headersOf(rawHeaders: readonly string[]): IncomingHttpHeaders {
  const out: Record<string, string | string[]> = Object.create(null);
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    const value = rawHeaders[i + 1]!;
    const had = out[name];
    if (name === "set-cookie") {
      if (had === undefined) out[name] = [value];
      else (had as string[]).push(value);
    } else if (had === undefined) {
      out[name] = value;
    } else if (name === "cookie") {
      out[name] = `${had}; ${value}`;
    } else if (!FIRST_WINS.has(name)) {
      out[name] = `${had}, ${value}`;
    }
  }
  return out as IncomingHttpHeaders;
}

/**
 * An interim (1xx) answer that came before the final one, as node:http's `'information'` event
 * reports it: `100 Continue`, `102 Processing`, `103 Early Hints`...
 */
export interface InformationalAnswer extends AnswerHead {
  /** As `IncomingMessage.headers`. */
  readonly headers: IncomingHttpHeaders;
}

/**
 * A uWSGI answer, with the fields of node:http's `IncomingMessage` (`statusCode`,
 * `statusMessage`, `headers`, `rawHeaders`, `httpVersion`) and the body as a stream. The body's
 * chunks are views of the socket's own buffers (no copy); reading slowly pauses the socket.
 * Consume or destroy `body`: destroying it closes the connection.
 */
export class UwsgiResponse implements InformationalAnswer {
  /** `"1.1"` or `"1.0"`: uWSGI echoes the request's SERVER_PROTOCOL. */
  readonly httpVersion: string;
  /** 100-999 (an interim 1xx is never the final answer, but 101 can be). */
  readonly statusCode: number;
  /** The reason phrase as sent, possibly empty. */
  readonly statusMessage: string;
  /** `[name, value, name, value...]`: names as sent, wire order, repeats kept (latin1 strings). */
  readonly rawHeaders: string[];
  /** The answer body. It errors with a `UwsgiClientError` if the answer is cut short. */
  readonly body: Readable;
  #headers: IncomingHttpHeaders | undefined;

  /** @internal Made by `request()`. */
  constructor(head: AnswerHead, body: Readable) {
    this.httpVersion = head.httpVersion;
    this.statusCode = head.statusCode;
    this.statusMessage = head.statusMessage;
    this.rawHeaders = head.rawHeaders;
    this.body = body;
  }

  /**
   * The headers as `IncomingMessage.headers` has them (built on first use): lower-case names,
   * `set-cookie` an array, repeats joined (see `rawHeaders` for every value as sent).
   */
  get headers(): IncomingHttpHeaders {
    this.#headers ??= headersOf(this.rawHeaders);
    return this.#headers;
  }
}
