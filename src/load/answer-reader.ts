import { bodiless, isInterim, nextContentLength } from "../client/answer-framing.js";
import { ChunkedDecoder } from "../parser/chunked-decoder.js";

// Reads the answers the load generator gets, doing only what framing needs: the status code, and
// where the body ends (Content-Length, chunked, or the connection's end). Heads are searched in
// place; one split across chunks is gathered in a buffer that doubles as it fills, so a head
// trickled in byte by byte costs linear work, not a copy of all of it per chunk.

const HEAD = 0;
const BODY_LENGTH = 1;
const BODY_CHUNKED = 2;
const BODY_EOF = 3;
const DONE = 4;

const CR = 0x0d;
const LF = 0x0a;
/** A head bigger than this is not an answer we can use. */
const MAX_HEAD = 64 * 1024;

/** An answer that cannot be read: the load generator counts it as `malformed`. */
export class MalformedAnswer extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MalformedAnswer";
  }
}

/** Index just after the blank line that ends a head in `buf[from, end)`, or -1. */
function headEnd(buf: Uint8Array, from: number, end: number): number {
  for (let i = buf.indexOf(LF, from); i >= 0 && i < end; i = buf.indexOf(LF, i + 1)) {
    if (i + 1 < end && buf[i + 1] === LF) return i + 2;
    if (i + 2 < end && buf[i + 1] === CR && buf[i + 2] === LF) return i + 3;
  }
  return -1;
}

/**
 * One answer's reader, reusable for the next answer on a kept-alive connection (`reset`). Takes
 * an HTTP/1.x head (status line) or a CGI head (`Status:` header, else 200).
 */
export class AnswerReader {
  /** The status code once the head is in; 0 before. */
  status = 0;
  /** The connection may carry another request after this answer (HTTP/1.1 keep-alive). */
  keepAlive = false;
  #state = HEAD;
  #head = false;
  /** The head so far when it spans chunks: `#held[0, #heldLength)`; the rest is spare room. */
  #held: Uint8Array | undefined;
  #heldLength = 0;
  #left = 0;
  #decoder: ChunkedDecoder | undefined;
  /** Only the head matters (FastCGI: END_REQUEST ends the answer, not the body's framing). */
  readonly #headOnly: boolean;

  constructor(headOnly = false) {
    this.#headOnly = headOnly;
  }

  /** Ready for the next answer; `head`: it answers a HEAD request (no body). */
  reset(head: boolean): void {
    this.status = 0;
    this.keepAlive = false;
    this.#state = HEAD;
    this.#head = head;
    this.#held = undefined;
    this.#heldLength = 0;
    this.#decoder = undefined;
  }

  /** True once the whole answer is in. */
  get done(): boolean {
    return this.#state === DONE;
  }

  /**
   * Reads `chunk`; returns how many of its bytes belong to this answer (all of them unless it
   * ended inside). Throws {@link MalformedAnswer}.
   */
  push(chunk: Uint8Array): number {
    let p = 0;
    if (this.#state === HEAD) {
      const before = this.#heldLength;
      const buf = before === 0 ? chunk : this.#hold(chunk);
      const length = before + chunk.length;
      const end = headEnd(buf, Math.max(0, before - 3), length);
      if (end < 0) {
        if (length > MAX_HEAD) throw new MalformedAnswer(`no end of head in ${MAX_HEAD} bytes`);
        if (before === 0) this.#hold(chunk);
        return chunk.length;
      }
      this.#held = undefined;
      this.#heldLength = 0;
      this.#parseHead(buf, end);
      p = end - before;
      if (isInterim(this.status) && !this.#headOnly) {
        // An interim answer (100 Continue, 103 Early Hints): the final one follows.
        this.#state = HEAD;
        return p === chunk.length ? p : p + this.push(chunk.subarray(p));
      }
      if ((this.#state as number) === DONE) return p;
    }
    if (this.#state === BODY_LENGTH) {
      const take = Math.min(this.#left, chunk.length - p);
      this.#left -= take;
      if (this.#left === 0) this.#state = DONE;
      return p + take;
    }
    if (this.#state === BODY_CHUNKED) {
      const decoder = this.#decoder!;
      let used: number;
      try {
        used = decoder.write(chunk, p, chunk.length);
      } catch (err) {
        throw new MalformedAnswer(`bad chunked body: ${(err as Error).message}`);
      }
      if (decoder.done) this.#state = DONE;
      return used;
    }
    return chunk.length;
  }

  /** Appends `chunk` to the held head (copied: its memory may be reused); returns the head so far. */
  #hold(chunk: Uint8Array): Uint8Array {
    const length = this.#heldLength + chunk.length;
    let held = this.#held;
    if (held === undefined || held.length < length) {
      const grown = new Uint8Array(Math.max(length, 2 * (held?.length ?? 0), 256));
      if (held !== undefined) grown.set(held.subarray(0, this.#heldLength));
      held = grown;
      this.#held = held;
    }
    held.set(chunk, this.#heldLength);
    this.#heldLength = length;
    // A view to its length: the search must not scan the spare room.
    return held.subarray(0, length);
  }

  /** The connection ended: true when that completes the answer (a body read to the end). */
  end(): boolean {
    if (this.#state === BODY_EOF) this.#state = DONE;
    return this.#state === DONE;
  }

  #parseHead(buf: Uint8Array, end: number): void {
    const text = Buffer.from(buf.buffer, buf.byteOffset, end).toString("latin1");
    const lines = text.split(/\r?\n/);
    let status = 200;
    let first = 0;
    let http10 = false;
    if (text.startsWith("HTTP/")) {
      const m = /^HTTP\/(\d)\.(\d) (\d{3})(?: |$)/.exec(lines[0]!);
      if (m === null) throw new MalformedAnswer(`bad status line ${JSON.stringify(lines[0])}`);
      status = Number(m[3]);
      http10 = m[1] === "1" && m[2] === "0";
      first = 1;
    }
    let length = -1;
    let chunked = false;
    let close = http10;
    let cgiStatus = -1;
    let location = false;
    for (let i = first; i < lines.length; i++) {
      const line = lines[i]!;
      if (line === "") continue;
      const colon = line.indexOf(":");
      if (colon <= 0)
        throw new MalformedAnswer(`bad header line ${JSON.stringify(line.slice(0, 80))}`);
      const name = line.slice(0, colon).toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === "content-length") {
        // Differing lengths: the client refuses them too (MALFORMED_ANSWER).
        length = nextContentLength(value, length);
        if (length < 0) throw new MalformedAnswer(`bad Content-Length ${JSON.stringify(value)}`);
      } else if (name === "transfer-encoding") {
        chunked = value.toLowerCase().endsWith("chunked");
      } else if (name === "connection") {
        const v = value.toLowerCase();
        if (v.includes("close")) close = true;
        else if (v.includes("keep-alive")) close = false;
      } else if (name === "status" && first === 0) {
        const m = /^(\d{3})/.exec(value);
        if (m === null) throw new MalformedAnswer(`bad Status header ${JSON.stringify(value)}`);
        cgiStatus = Number(m[1]);
      } else if (name === "location") {
        location = true;
      }
    }
    // CGI: Status wins; a Location without it is a redirect (nginx's reading, RFC 3875 6.2.3).
    if (first === 0) status = cgiStatus >= 0 ? cgiStatus : location ? 302 : 200;
    this.status = status;
    if (this.#headOnly) {
      this.#state = BODY_EOF;
      return;
    }
    // 1xx: an interim head (its final one follows) or 101, after which the bytes are not HTTP.
    const noBody = bodiless(status, this.#head) || status < 200;
    this.keepAlive = first === 1 && !close;
    if (noBody) this.#state = DONE;
    else if (chunked) {
      // A fresh decoder per answer: ChunkedDecoder has no reset.
      this.#decoder = new ChunkedDecoder({});
      this.#state = BODY_CHUNKED;
    } else if (length >= 0) {
      this.#left = length;
      this.#state = length === 0 ? DONE : BODY_LENGTH;
    } else {
      this.keepAlive = false;
      this.#state = BODY_EOF;
    }
  }
}
