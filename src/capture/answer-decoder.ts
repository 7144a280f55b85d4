import type { AnswerFraming } from "../codec/answer-framing.js";
import { HEADER_SIZE, MAX_U16 } from "../codec/constants.js";
import { modifierName } from "../codec/modifiers.js";
import { answerContentOf } from "./answer-head.js";
import { BodyDigest } from "./body-digest.js";
import type { AnswerPacket, CapturedAnswer } from "./exchange.js";
import { GapRun } from "./gap-run.js";
import {
  continuesHttpPrefix,
  type HttpHead,
  headEndIn,
  MAX_HTTP_HEAD,
  parseHttpHead,
} from "./http-head.js";
import type { BodyCallback, DecodeSession } from "./session.js";

const HTTP_HEAD = 0;
const HTTP_BODY = 1;
const PACKET_HEAD = 2;
const CONTENT = 3;
const RAW = 4;

// The most a held head can need: an HTTP head, or a packet's header and 64 KiB of data.
const MAX_HELD = HEADER_SIZE + MAX_U16;

/** What went wrong in an answer, for the exchange's error list. */
export interface AnswerProblem {
  readonly code: string;
  readonly offset: number;
  readonly message: string;
}

/**
 * Decodes one answer as its bytes arrive, framed as uWSGI frames the answer to the request
 * (`answerFramingOf`): HTTP (status line, headers, body) when the answer starts with `HTTP/`;
 * one uwsgi packet and the content it announces (an RPC result, a cache value, a dump's table);
 * raw bytes otherwise, or once a gap or a bad head makes the rest unreadable. Holds at most one
 * head (64 KiB of HTTP, or a packet) and a preview.
 */
export class AnswerDecoder {
  readonly #framing: AnswerFraming;
  readonly #previewMax: number;
  readonly #id: number;
  readonly #onBody: BodyCallback | undefined;
  #state: number;
  #head: Buffer | null = null;
  #headLength = 0;
  #http: HttpHead | null = null;
  #packet: AnswerPacket | null = null;
  // Content bytes the head announced (-1: up to the close), and whether more came.
  #announced = -1;
  #excess = false;
  #digest: BodyDigest;
  #length = 0;
  #missing = 0;
  // Holes in a row are one problem.
  readonly #gaps = new GapRun();
  /** Problems found, in order. */
  readonly problems: AnswerProblem[] = [];

  /** `framing`: how uWSGI answers the request (`answerFramingOf` its modifiers). */
  constructor(framing: AnswerFraming, session: DecodeSession, id: number) {
    this.#framing = framing;
    this.#id = id;
    this.#onBody = session.onBody;
    this.#previewMax = session.previewBytes;
    this.#digest = new BodyDigest(session.previewBytes, session.digest, session.work);
    this.#state =
      framing === "http" ? HTTP_HEAD : framing === "raw" || framing === "none" ? RAW : PACKET_HEAD;
  }

  /** Answer bytes in order (a view). */
  push(data: Buffer): void {
    let off = 0;
    if (this.#state === HTTP_HEAD) off = this.#pushHttpHead(data);
    else if (this.#state === PACKET_HEAD) off = this.#pushPacketHead(data);
    if (off === data.length) return;
    const rest = off === 0 ? data : data.subarray(off);
    const at = this.#length + this.#missing;
    this.#length += rest.length;
    if (this.#state === CONTENT) this.#content(rest, at);
    else this.#bodyPiece(rest);
  }

  /** `bytes` of the answer were not captured. */
  gap(bytes: number): void {
    if (!this.#gaps.extend(this.problems, bytes)) {
      this.#gaps.start(this.problems, bytes, {
        code: "GAP",
        offset: this.#length + this.#missing,
        message: `${bytes} answer byte(s) were not captured`,
      });
    }
    this.#missing += bytes;
    // A head cut: the rest is only counted. Inside a body or content the framing survives.
    if (this.#state === HTTP_HEAD || this.#state === PACKET_HEAD) this.#toRaw();
    this.#digest.addMissing(bytes);
  }

  /** The summary; `closed` says the server closed its side. Call once. */
  finish(closed: boolean): CapturedAnswer {
    this.#gaps.end(this.problems);
    const state = this.#state;
    if (state === HTTP_HEAD) {
      if (this.#headLength > 0) {
        this.#problem("TRUNCATED", this.#headLength, "the answer ended inside its headers");
      }
      this.#toRaw();
    }
    const length = this.#length;
    const missing = this.#missing;
    const body = this.#digest;
    if (state === HTTP_BODY) {
      const http = this.#http!;
      const ended =
        http.contentLength >= 0
          ? body.length + body.missing === http.contentLength
          : closed && missing === 0;
      return {
        kind: "http",
        length,
        missing,
        complete: ended && missing === 0,
        statusLine: http.statusLine,
        status: http.status,
        headers: http.headers,
        body: body.summary(ended),
      };
    }
    if (state === PACKET_HEAD || state === CONTENT) {
      let packets: AnswerPacket[] = [];
      let ended: boolean;
      if (state === PACKET_HEAD) {
        ended = false;
        if (this.#headLength > 0) {
          const total = this.#headTotal();
          this.#problem(
            "TRUNCATED",
            this.#headLength,
            total < 0
              ? "the answer ended inside its packet's header"
              : `the answer ended ${this.#headLength} bytes into its ${total}-byte packet`,
          );
          if (total > 0) packets = [this.#packetOf(this.#head!, this.#headLength)];
        }
      } else {
        packets = [this.#packet!];
        ended = this.#announced >= 0 ? body.length + body.missing >= this.#announced : closed;
      }
      return {
        kind: "packets",
        length,
        missing,
        complete: ended && missing === 0 && !this.#excess,
        packets,
        count: state === CONTENT ? 1 : 0,
        body: body.summary(ended),
      };
    }
    return {
      kind: "raw",
      length,
      missing,
      complete: closed && missing === 0,
      body: body.summary(closed),
    };
  }

  #bodyPiece(piece: Buffer): void {
    const at = this.#digest.position;
    this.#digest.add(piece);
    this.#onBody?.(this.#id, "answer", piece, at);
  }

  /** Content after the answer's packet, at answer offset `at`; past what was announced, said. */
  #content(piece: Buffer, at: number): void {
    const announced = this.#announced;
    if (announced >= 0 && !this.#excess) {
      const left = announced - this.#digest.position;
      if (piece.length > left) {
        this.#excess = true;
        this.#problem(
          "UNEXPECTED_BYTES",
          at + Math.max(0, left),
          `bytes after the ${announced} byte(s) the answer's packet announces (uWSGI sends nothing more)`,
        );
      }
    }
    this.#bodyPiece(piece);
  }

  #problem(code: string, offset: number, message: string): void {
    this.#gaps.end(this.problems);
    this.problems.push({ code, offset, message });
  }

  /** Gathers an HTTP head up to its blank line; returns how many bytes of `data` it took. */
  #pushHttpHead(data: Buffer): number {
    const start = this.#headLength;
    if (!continuesHttpPrefix(data, start)) {
      // Not HTTP: what was held, then these bytes, are the raw answer.
      this.#toRaw();
      return 0;
    }
    // Grown as needed; 1 KiB (from Node's shared pool) holds most heads.
    this.#head ??= Buffer.allocUnsafe(1024);
    const end = headEndIn(data, this.#head, start);
    const take = end < 0 ? data.length : end;
    if (start + take > MAX_HTTP_HEAD) {
      this.#problem(
        "ANSWER_HEAD_TOO_LONG",
        0,
        `no end of the answer's headers within ${MAX_HTTP_HEAD} bytes`,
      );
      this.#toRaw();
      return 0;
    }
    this.#hold(data, 0, take);
    this.#length += take;
    if (end >= 0) {
      this.#http = parseHttpHead(this.#head, this.#headLength);
      this.#head = null;
      this.#headLength = 0;
      this.#state = HTTP_BODY;
    }
    return take;
  }

  /** Gathers the answer's packet (header and data); returns how many bytes of `data` it took. */
  #pushPacketHead(data: Buffer): number {
    if (this.#headLength === 0 && data.length >= HEADER_SIZE) {
      // Most heads come whole in one piece: read in place.
      const total = HEADER_SIZE + (data[1]! | (data[2]! << 8));
      if (data.length >= total) {
        this.#length += total;
        this.#readHead(data.subarray(0, total));
        return total;
      }
    }
    this.#head ??= Buffer.allocUnsafe(1024);
    let taken = 0;
    for (;;) {
      const total = this.#headLength < HEADER_SIZE ? HEADER_SIZE : this.#headTotal();
      if (this.#headLength === total) {
        const head = this.#head;
        this.#head = null;
        this.#headLength = 0;
        this.#length += taken;
        this.#readHead(head.subarray(0, total));
        return taken;
      }
      if (taken === data.length) {
        this.#length += taken;
        return taken;
      }
      const n = Math.min(total - this.#headLength, data.length - taken);
      this.#hold(data, taken, taken + n);
      taken += n;
    }
  }

  /** Bytes of the held packet: its header and datasize (the header must be held). */
  #headTotal(): number {
    const head = this.#head!;
    return this.#headLength < HEADER_SIZE ? -1 : HEADER_SIZE + (head[1]! | (head[2]! << 8));
  }

  /** Appends `data[from, to)` to the held head, growing it by doubling. */
  #hold(data: Buffer, from: number, to: number): void {
    const size = this.#headLength + to - from;
    let head = this.#head!;
    if (head.length < size) {
      const grown = Buffer.allocUnsafe(Math.min(MAX_HELD, Math.max(size, head.length * 2)));
      head.copy(grown, 0, 0, this.#headLength);
      head = grown;
      this.#head = head;
    }
    data.copy(head, this.#headLength, from, to);
    this.#headLength = size;
  }

  /** The answer's whole packet: recorded, then what it announces is read as content. */
  #readHead(head: Buffer): void {
    this.#packet = this.#packetOf(head, head.length);
    const content = answerContentOf(this.#framing, head);
    if (content.problem !== null) {
      const p = content.problem;
      this.#problem(p.code, p.offset, p.message);
    }
    this.#state = CONTENT;
    this.#announced = content.length;
    if (content.inPacket) this.#bodyPiece(head.subarray(HEADER_SIZE));
  }

  /** The packet whose header starts `head`, of which `have` bytes are there; its preview copied. */
  #packetOf(head: Buffer, have: number): AnswerPacket {
    return {
      modifier1: head[0]!,
      modifier2: head[3]!,
      modifierName: modifierName(head[0]!),
      datasize: head[1]! | (head[2]! << 8),
      preview: Buffer.from(
        head.subarray(HEADER_SIZE, Math.min(have, HEADER_SIZE + this.#previewMax)),
      ),
    };
  }

  #toRaw(): void {
    if (this.#head !== null && this.#headLength > 0) {
      // The bytes held as a head become the start of the raw body.
      this.#bodyPiece(this.#head.subarray(0, this.#headLength));
    }
    this.#head = null;
    this.#headLength = 0;
    this.#state = RAW;
  }
}
