import { UwsgiClientError } from "./errors.js";

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const HT = 0x09;
const COLON = 0x3a;

/** The status line and headers of an HTTP/1.x answer. */
export interface AnswerHead {
  /** `"1.1"` or `"1.0"` (uWSGI echoes the request's SERVER_PROTOCOL). */
  readonly httpVersion: string;
  readonly status: number;
  /** The reason phrase as sent (latin1), possibly empty. */
  readonly reason: string;
  /** Every header as `[name, value]`, names as sent, in wire order, duplicates kept (latin1). */
  readonly headers: readonly (readonly [string, string])[];
}

/**
 * Finds the end of an HTTP/1.x answer head across chunks and parses it, in bounded memory.
 * The search jumps from line feed to line feed (`indexOf`), remembering only the current line's
 * length and last byte, so a chunk is scanned once; chunks are kept (not copied) until the head
 * is complete, then joined once, and never more than `maxHeaderSize` bytes of them.
 */
export class AnswerHeadParser {
  readonly #max: number;
  #pieces: Buffer[] = [];
  #size = 0;
  #lineLength = 0;
  #lastByte = -1;
  #lines = 0;

  constructor(maxHeaderSize: number) {
    this.#max = maxHeaderSize;
  }

  /** Bytes held so far (the part of the head seen before this chunk). */
  get pendingBytes(): number {
    return this.#size;
  }

  /**
   * Feeds one chunk. Returns -1 while the head is incomplete (the chunk is kept), or the offset
   * in `chunk` where the body starts. Throws `HEADER_TOO_LARGE` or `MALFORMED_ANSWER`.
   */
  push(chunk: Buffer): number {
    const end = chunk.length;
    let i = 0;
    while (i < end) {
      const lf = chunk.indexOf(LF, i);
      if (lf < 0) {
        this.#lineLength += end - i;
        this.#lastByte = chunk[end - 1]!;
        break;
      }
      if (this.#size + lf + 1 > this.#max) throw tooLarge(this.#max);
      if (lf > i) {
        this.#lineLength += lf - i;
        this.#lastByte = chunk[lf - 1]!;
      }
      const blank = this.#lineLength === 0 || (this.#lineLength === 1 && this.#lastByte === CR);
      if (blank && this.#lines > 0) return lf + 1;
      if (blank) throw malformed("the answer starts with a blank line");
      this.#lines++;
      this.#lineLength = 0;
      this.#lastByte = -1;
      i = lf + 1;
    }
    this.#size += end;
    if (this.#size > this.#max) throw tooLarge(this.#max);
    this.#pieces.push(chunk);
    return -1;
  }

  /** Parses the head whose last byte is `chunk[bodyStart - 1]` (after `push` returned it). */
  finish(chunk: Buffer, bodyStart: number): AnswerHead {
    const last = chunk.subarray(0, bodyStart);
    const head =
      this.#pieces.length === 0
        ? last
        : Buffer.concat([...this.#pieces, last], this.#size + bodyStart);
    this.#pieces = [];
    return parseHead(head);
  }
}

function tooLarge(max: number): UwsgiClientError {
  return new UwsgiClientError(
    "HEADER_TOO_LARGE",
    `the answer's status line and headers are longer than maxHeaderSize (${max} bytes)`,
  );
}

function malformed(why: string): UwsgiClientError {
  return new UwsgiClientError("MALFORMED_ANSWER", `not an HTTP/1.x answer: ${why}`);
}

function lineEnd(head: Buffer, lf: number, start: number): number {
  return lf > start && head[lf - 1] === CR ? lf - 1 : lf;
}

function isDigit(b: number | undefined): boolean {
  return b !== undefined && b >= 0x30 && b <= 0x39;
}

/** `HTTP/1.x NNN reason`: checked byte by byte, no regex. */
function parseStatusLine(head: Buffer, end: number): [string, number, string] {
  if (
    end < 12 ||
    head.toString("latin1", 0, 7) !== "HTTP/1." ||
    !isDigit(head[7]) ||
    head[8] !== SP ||
    !isDigit(head[9]) ||
    !isDigit(head[10]) ||
    !isDigit(head[11]) ||
    (end > 12 && head[12] !== SP)
  ) {
    throw malformed(`bad status line "${head.toString("latin1", 0, Math.min(end, 64))}"`);
  }
  const status = (head[9]! - 0x30) * 100 + (head[10]! - 0x30) * 10 + (head[11]! - 0x30);
  const reason = end > 13 ? head.toString("latin1", 13, end) : "";
  return [`1.${head[7]! - 0x30}`, status, reason];
}

/** A header name is a token: no whitespace, no control bytes, no colon. */
function checkName(head: Buffer, start: number, colon: number): void {
  if (colon === start) throw malformed("a header line has no name");
  for (let p = start; p < colon; p++) {
    const b = head[p]!;
    if (b <= SP || b === 0x7f)
      throw malformed(`header name "${head.toString("latin1", start, colon)}"`);
  }
}

function parseHead(head: Buffer): AnswerHead {
  let lf = head.indexOf(LF);
  const [httpVersion, status, reason] = parseStatusLine(head, lineEnd(head, lf, 0));
  const headers: [string, string][] = [];
  let start = lf + 1;
  for (;;) {
    lf = head.indexOf(LF, start);
    const end = lineEnd(head, lf, start);
    if (end === start) break; // the blank line: parse() only sees complete heads
    const first = head[start]!;
    if (first === SP || first === HT) throw malformed("folded header lines are not allowed");
    const colon = head.indexOf(COLON, start);
    if (colon < 0 || colon > end) throw malformed(`header line without a colon`);
    checkName(head, start, colon);
    let vs = colon + 1;
    let ve = end;
    while (vs < ve && (head[vs] === SP || head[vs] === HT)) vs++;
    while (ve > vs && (head[ve - 1] === SP || head[ve - 1] === HT)) ve--;
    headers.push([head.toString("latin1", start, colon), head.toString("latin1", vs, ve)]);
    start = lf + 1;
  }
  return { httpVersion, status, reason, headers };
}
