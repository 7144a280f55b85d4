import { UwsgiError } from "../codec/errors.js";
import { modifierName } from "../codec/modifiers.js";
import type { Packet } from "../codec/packet.js";
import { PacketParser, type ParserHandler } from "../parser/packet-parser.js";
import { BodyDigest } from "./body-digest.js";
import type { AnswerPacket, CapturedAnswer } from "./exchange.js";
import { GapRun } from "./gap-run.js";
import type { BodyCallback, DecodeSession } from "./session.js";

const UNDECIDED = 0;
const HTTP_HEAD = 1;
const HTTP_BODY = 2;
const PACKETS = 3;
const RAW = 4;

const MAX_HEAD = 64 * 1024;
const MAX_PACKETS = 16;
const HTTP_PREFIX = "HTTP/";

/** What went wrong in an answer, for the exchange's error list. */
export interface AnswerProblem {
  readonly code: string;
  readonly offset: number;
  readonly message: string;
}

/**
 * Decodes one answer as its bytes arrive: HTTP-style (status line, headers, body) when the
 * request was a vars request and the answer starts with `HTTP/`; uwsgi packets for the other
 * requests (ping, cache, RPC...); raw bytes otherwise, or once a gap or a bad packet makes the
 * rest unreadable. Holds at most the HTTP head (64 KiB) and a few packet previews.
 */
export class AnswerDecoder implements ParserHandler {
  readonly #expectHttp: boolean;
  readonly #previewMax: number;
  readonly #id: number;
  readonly #onBody: BodyCallback | undefined;
  #state = UNDECIDED;
  #head: Buffer | null = null;
  #headLength = 0;
  #statusLine = "";
  #status = 0;
  #headers: [string, string][] = [];
  #contentLength = -1;
  #digest: BodyDigest;
  #parser: PacketParser | null = null;
  #packets: AnswerPacket[] = [];
  #count = 0;
  #length = 0;
  #missing = 0;
  // Holes in a row are one problem.
  readonly #gaps = new GapRun();
  /** Problems found, in order. */
  readonly problems: AnswerProblem[] = [];

  /** `expectHttp`: the request was a vars request (an HTTP-style answer is expected). */
  constructor(expectHttp: boolean, session: DecodeSession, id: number) {
    this.#expectHttp = expectHttp;
    this.#id = id;
    this.#onBody = session.onBody;
    this.#previewMax = session.previewBytes;
    this.#digest = new BodyDigest(session.previewBytes, session.digest, session.work);
  }

  /** Answer bytes in order (a view). */
  push(data: Buffer): void {
    let off = 0;
    if (this.#state === UNDECIDED) {
      this.#state = this.#expectHttp ? HTTP_HEAD : PACKETS;
      if (this.#state === PACKETS) {
        this.#parser = new PacketParser(this, {
          mode: "packets",
          payload: "raw",
          maxDatasize: 65535,
        });
      }
    }
    if (this.#state === HTTP_HEAD) off = this.#pushHead(data);
    const rest = off === 0 ? data : data.subarray(off);
    this.#length += rest.length;
    if (rest.length === 0) return;
    if (this.#state === HTTP_BODY || this.#state === RAW) {
      this.#bodyPiece(rest);
    } else if (this.#state === PACKETS) {
      try {
        this.#parser!.push(rest);
      } catch (err) {
        if (!(err instanceof UwsgiError)) throw err;
        this.#problem(err);
        this.#toRaw();
      }
    }
  }

  #bodyPiece(piece: Buffer): void {
    const at = this.#digest.position;
    this.#digest.add(piece);
    this.#onBody?.(this.#id, "answer", piece, at);
  }

  /** What the parser refused; `detail`, since the listing shows the code and offset itself. */
  #problem(e: UwsgiError): void {
    this.#gaps.end(this.problems);
    this.problems.push({ code: e.code, offset: e.offset, message: e.detail });
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
    // Headers or packet framing cut: the rest is only counted.
    if (this.#state !== HTTP_BODY && this.#state !== RAW) this.#toRaw();
    this.#digest.addMissing(bytes);
  }

  /** Appends to the head until the blank line; returns how many bytes of `data` it took. */
  #pushHead(data: Buffer): number {
    // Grown as needed; 1 KiB (from Node's shared pool) holds most heads.
    if (this.#head === null) this.#head = Buffer.allocUnsafe(1024);
    const start = this.#headLength;
    let take = data.length;
    let done = false;
    // Look for CR LF CR LF over the seam between the held head and the new bytes.
    for (let i = 0; i < data.length; i++) {
      if (data[i] !== 0x0a) continue;
      const at = start + i;
      if (at >= 3 && this.#byteAt(at - 1, data, start) === 0x0d) {
        if (
          this.#byteAt(at - 2, data, start) === 0x0a &&
          this.#byteAt(at - 3, data, start) === 0x0d
        ) {
          take = i + 1;
          done = true;
          break;
        }
      }
    }
    if (start + take > MAX_HEAD) {
      this.#gaps.end(this.problems);
      this.problems.push({
        code: "ANSWER_HEAD_TOO_LONG",
        offset: 0,
        message: `no end of the answer's headers within ${MAX_HEAD} bytes`,
      });
      this.#toRaw();
      return 0;
    }
    this.#ensureHead(start + take);
    data.copy(this.#head!, start, 0, take);
    this.#headLength = start + take;
    this.#length += take;
    const prefix = Math.min(this.#headLength, HTTP_PREFIX.length);
    if (this.#head!.toString("latin1", 0, prefix) !== HTTP_PREFIX.slice(0, prefix)) {
      this.#toRaw();
      return take;
    }
    if (done) this.#parseHead();
    return take;
  }

  #byteAt(at: number, data: Buffer, start: number): number {
    return at >= start ? data[at - start]! : this.#head![at]!;
  }

  #ensureHead(size: number): void {
    const head = this.#head!;
    if (head.length >= size) return;
    const grown = Buffer.allocUnsafe(Math.min(MAX_HEAD, Math.max(size, head.length * 2)));
    head.copy(grown, 0, 0, this.#headLength);
    this.#head = grown;
  }

  #parseHead(): void {
    const text = this.#head!.toString("latin1", 0, this.#headLength - 4);
    const lines = text.split("\r\n");
    this.#statusLine = lines[0]!;
    const sp = this.#statusLine.indexOf(" ");
    const code = sp < 0 ? Number.NaN : Number.parseInt(this.#statusLine.slice(sp + 1, sp + 4), 10);
    this.#status = Number.isInteger(code) ? code : 0;
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(":");
      const name = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).trim();
      this.#headers.push([name, value]);
      if (name.toLowerCase() === "content-length") {
        const n = Number.parseInt(value, 10);
        if (Number.isSafeInteger(n) && n >= 0) this.#contentLength = n;
      }
    }
    this.#head = null;
    this.#state = HTTP_BODY;
  }

  #toRaw(): void {
    if (this.#state === HTTP_HEAD && this.#head !== null) {
      // The bytes held as a head become the start of the raw body.
      this.#bodyPiece(this.#head.subarray(0, this.#headLength));
      this.#head = null;
    }
    this.#state = RAW;
    this.#parser = null;
  }

  /** @internal PacketParser callback. */
  onPacket(packet: Packet): void {
    this.#count++;
    if (this.#packets.length >= MAX_PACKETS) return;
    const data = packet.payload;
    this.#packets.push({
      modifier1: packet.modifier1,
      modifier2: packet.modifier2,
      modifierName: modifierName(packet.modifier1),
      datasize: packet.datasize,
      preview: Buffer.from(data.subarray(0, this.#previewMax)),
    });
  }

  /** The summary; `closed` says the server closed its side. Call once. */
  finish(closed: boolean): CapturedAnswer {
    this.#gaps.end(this.problems);
    const length = this.#length;
    const missing = this.#missing;
    const state = this.#state;
    if (state === HTTP_HEAD) {
      if (this.#headLength > 0 && this.#head !== null) {
        this.#gaps.end(this.problems);
        this.problems.push({
          code: "TRUNCATED",
          offset: this.#headLength,
          message: "the answer ended inside its headers",
        });
      }
      this.#toRaw();
      return this.finish(closed);
    }
    if (state === HTTP_BODY) {
      const body = this.#digest;
      const ended =
        this.#contentLength >= 0
          ? body.length + body.missing === this.#contentLength
          : closed && missing === 0;
      return {
        kind: "http",
        length,
        missing,
        complete: ended && missing === 0,
        statusLine: this.#statusLine,
        status: this.#status,
        headers: this.#headers,
        body: body.summary(ended),
      };
    }
    if (state === PACKETS) {
      let whole = true;
      if (this.#parser !== null) {
        try {
          this.#parser.end();
        } catch (err) {
          if (!(err instanceof UwsgiError)) throw err;
          this.#problem(err);
          whole = false;
        }
      }
      return {
        kind: "packets",
        length,
        missing,
        complete: closed && whole && missing === 0,
        packets: this.#packets,
        count: this.#count,
      };
    }
    return {
      kind: "raw",
      length,
      missing,
      complete: closed && missing === 0,
      body: this.#digest.summary(closed),
    };
  }
}
