import { isFieldByte, TOKEN } from "../parser/http-chars.js";
import { UwsgiClientError } from "./errors.js";

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const HT = 0x09;
const COLON = 0x3a;

/** The status line and headers of one HTTP/1.x answer (an interim one or the final one). */
export interface AnswerHead {
  /** `"1.1"` or `"1.0"` (uWSGI echoes the request's SERVER_PROTOCOL). */
  readonly httpVersion: string;
  /** 100-999. */
  readonly statusCode: number;
  /** The reason phrase as sent (latin1), possibly empty. */
  readonly statusMessage: string;
  /** Names and values in turn, `[name, value, name, value...]`: as sent, in wire order (latin1). */
  readonly rawHeaders: string[];
}

/**
 * Finds the end of HTTP/1.x answer heads across chunks and parses them, in bounded memory.
 * The search jumps from line feed to line feed (`indexOf`), remembering only the current line's
 * length and last byte, so a chunk is scanned once; chunks are kept (not copied) until a head
 * is complete, then joined once. Every head of one answer (interim 1xx ones and the final one)
 * counts against the same `maxHeaderSize`, so a backend cannot send interim heads for ever.
 */
export class AnswerHeadParser {
  readonly #max: number;
  #pieces: Buffer[] = [];
  /** Bytes of the current head held so far. */
  #size = 0;
  /** Bytes of the heads already parsed. */
  #used = 0;
  #lineLength = 0;
  #lastByte = -1;
  #lines = 0;

  constructor(maxHeaderSize: number) {
    this.#max = maxHeaderSize;
  }

  /** Bytes of the current head held so far (the part seen before this chunk). */
  get pendingBytes(): number {
    return this.#size;
  }

  /**
   * Feeds one chunk. Returns -1 while the head is incomplete (the chunk is kept), or the offset
   * in `chunk` where the head ends. Throws `HEADER_TOO_LARGE` or `MALFORMED_ANSWER`.
   */
  push(chunk: Buffer): number {
    const end = chunk.length;
    const budget = this.#max - this.#used;
    let i = 0;
    while (i < end) {
      const lf = chunk.indexOf(LF, i);
      if (lf < 0) {
        this.#lineLength += end - i;
        this.#lastByte = chunk[end - 1]!;
        break;
      }
      if (this.#size + lf + 1 > budget) throw tooLarge(this.#max);
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
    if (this.#size > budget) throw tooLarge(this.#max);
    this.#pieces.push(chunk);
    return -1;
  }

  /**
   * Parses the head whose last byte is `chunk[headEnd - 1]` (after `push` returned `headEnd`),
   * and gets ready for the next head of the same answer.
   */
  finish(chunk: Buffer, headEnd: number): AnswerHead {
    const last = chunk.subarray(0, headEnd);
    const head =
      this.#pieces.length === 0
        ? last
        : Buffer.concat([...this.#pieces, last], this.#size + headEnd);
    this.#used += this.#size + headEnd;
    this.#pieces = [];
    this.#size = 0;
    this.#lines = 0;
    return parseHead(head);
  }
}

function tooLarge(max: number): UwsgiClientError {
  return new UwsgiClientError(
    "HEADER_TOO_LARGE",
    `the answer's status lines and headers are longer than maxHeaderSize (${max} bytes)`,
  );
}

function malformed(why: string): UwsgiClientError {
  return new UwsgiClientError("MALFORMED_ANSWER", `not an HTTP/1.x answer: ${why}`);
}

function latin1(bytes: Buffer, start: number, end: number): string {
  return bytes.toString("latin1", start, end);
}

function lineEnd(head: Buffer, lf: number, start: number): number {
  return lf > start && head[lf - 1] === CR ? lf - 1 : lf;
}

function isDigit(b: number | undefined): boolean {
  return b !== undefined && b >= 0x30 && b <= 0x39;
}

/** `HTTP/1.x NNN reason`: checked byte by byte, no regex; NNN is 100-999. */
function parseStatusLine(head: Buffer, end: number): [string, number, string] {
  const shown = () => JSON.stringify(latin1(head, 0, Math.min(end, 64)));
  if (
    end < 12 ||
    latin1(head, 0, 7) !== "HTTP/1." ||
    !isDigit(head[7]) ||
    head[8] !== SP ||
    !isDigit(head[9]) ||
    !isDigit(head[10]) ||
    !isDigit(head[11]) ||
    (end > 12 && head[12] !== SP)
  ) {
    throw malformed(`bad status line ${shown()}`);
  }
  const status = (head[9]! - 0x30) * 100 + (head[10]! - 0x30) * 10 + (head[11]! - 0x30);
  if (status < 100) throw malformed(`status ${latin1(head, 9, 12)} is below 100`);
  for (let p = 13; p < end; p++) {
    if (!isFieldByte(head[p]!)) throw malformed(`a control byte in the reason phrase ${shown()}`);
  }
  const reason = end > 13 ? latin1(head, 13, end) : "";
  return [`1.${head[7]! - 0x30}`, status, reason];
}

function parseHead(head: Buffer): AnswerHead {
  let lf = head.indexOf(LF);
  const [httpVersion, statusCode, statusMessage] = parseStatusLine(head, lineEnd(head, lf, 0));
  const rawHeaders: string[] = [];
  let start = lf + 1;
  for (;;) {
    lf = head.indexOf(LF, start);
    const end = lineEnd(head, lf, start);
    if (end === start) break; // the blank line: finish() only sees complete heads
    const first = head[start]!;
    if (first === SP || first === HT) throw malformed("folded header lines are not allowed");
    let colon = start;
    while (colon < end && TOKEN[head[colon]!] === 1) colon++;
    if (colon === start || colon === end || head[colon] !== COLON) {
      const line = JSON.stringify(latin1(head, start, Math.min(end, start + 64)));
      throw malformed(`header line ${line} is not a token, a colon and a value`);
    }
    let vs = colon + 1;
    let ve = end;
    while (vs < ve && (head[vs] === SP || head[vs] === HT)) vs++;
    while (ve > vs && (head[ve - 1] === SP || head[ve - 1] === HT)) ve--;
    for (let p = vs; p < ve; p++) {
      if (!isFieldByte(head[p]!)) {
        throw malformed(`a control byte in the value of ${latin1(head, start, colon)}`);
      }
    }
    rawHeaders.push(latin1(head, start, colon), latin1(head, vs, ve));
    start = lf + 1;
  }
  return { httpVersion, statusCode, statusMessage, rawHeaders };
}
