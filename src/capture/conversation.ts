import { UwsgiError } from "../codec/errors.js";
import type { DecodeOptions } from "../codec/limits.js";
import { modifierInfo, modifierName, payloadKindOf } from "../codec/modifiers.js";
import type { Packet } from "../codec/packet.js";
import type { VarsView } from "../codec/vars-view.js";
import { PacketParser, type ParserHandler } from "../parser/packet-parser.js";
import { AnswerDecoder } from "./answer-decoder.js";
import { BodyDigest } from "./body-digest.js";
import type { CaptureTime, Endpoint, ExchangeError } from "./exchange.js";
import type { DecodeSession } from "./session.js";
import { looksLikeUwsgi, Verdict } from "./uwsgi-heuristic.js";

/** Decode options for captured requests: as lenient as the wire allows, so problems get reported. */
export const CAPTURE_DECODE_OPTIONS: DecodeOptions = Object.freeze({
  maxDatasize: 65535,
  maxVars: 16384,
  maxItems: 16384,
  allowEmptyKeys: true,
});

const SEARCH = 0;
const PARSE = 1;

const SEARCH_CAPACITY = 2 * 65540;
const ZEROS = Buffer.alloc(64 * 1024);

/** How a conversation starts and goes on after each request. */
export interface ConversationMode {
  /** Look for a request header (strictly) before parsing; else parse from the first byte. */
  readonly search: boolean;
  /** Why searching, for the note on the exchange found: "connection started before the capture". */
  readonly searchReason: string;
  /** After a request and its body: search for the next header (true) or parse straight on. */
  readonly searchAfterRequest: boolean;
}

/** One request and its answer while they are being read. */
class Draft {
  readonly id: number;
  readonly requestTime: CaptureTime | null;
  answerTime: CaptureTime | null = null;
  endTime: CaptureTime | null;
  modifier1: number;
  modifier2 = 0;
  datasize = 0;
  vars: VarsView | null = null;
  payload: Buffer | null = null;
  contentLength = 0;
  hasPacket = false;
  bodyDone = false;
  readonly body: BodyDigest;
  answer: AnswerDecoder | null = null;
  readonly notes: string[] = [];
  readonly errors: ExchangeError[] = [];

  constructor(id: number, time: CaptureTime | null, modifier1: number, preview: number) {
    this.id = id;
    this.requestTime = time;
    this.endTime = time;
    this.modifier1 = modifier1;
    this.body = new BodyDigest(preview);
  }
}

/**
 * The uwsgi side of one TCP connection (or of a raw byte stream): requests from the client,
 * parsed with {@link PacketParser}, and the answers, paired in order. Reports each exchange to the
 * session when the next request starts or the connection ends.
 *
 * Searching: a connection that started before the capture, or a request stream after a gap or a
 * decode error, is scanned byte by byte for the next offset where a whole, plausible uwsgi
 * request starts (see `looksLikeUwsgi`); the bytes before it are skipped and said so in a note.
 */
export class Conversation implements ParserHandler {
  readonly #session: DecodeSession;
  readonly #client: Endpoint | null;
  readonly #server: Endpoint | null;
  readonly #mode: ConversationMode;
  #state: number;
  #parser: PacketParser | null = null;
  #draft: Draft | null = null;
  #trailing: Buffer | null = null;
  #fillingGap = false;
  #requestOffset = 0;
  // Search buffer: bytes not yet ruled out as the start of a request.
  #search: Buffer | null = null;
  #searchLength = 0;
  #scanFrom = 0;
  #skipped = 0;
  #searchReason: string;
  #orphanAnswerBytes = 0;

  constructor(
    session: DecodeSession,
    client: Endpoint | null,
    server: Endpoint | null,
    mode: ConversationMode,
  ) {
    this.#session = session;
    this.#client = client;
    this.#server = server;
    this.#mode = mode;
    this.#state = mode.search ? SEARCH : PARSE;
    this.#searchReason = mode.searchReason;
  }

  /** Client-to-server bytes, in order (a view). */
  request(data: Buffer): void {
    let next: Buffer | null = data;
    while (next !== null) {
      if (this.#state === SEARCH) this.#searchPush(next);
      else this.#parsePush(next);
      next = this.#trailing;
      this.#trailing = null;
    }
  }

  /** `bytes` client-to-server bytes were not captured. */
  requestGap(bytes: number): void {
    const draft = this.#draft;
    let left = bytes;
    if (this.#state === PARSE && this.#parser !== null && draft !== null) {
      if (this.#parser.state === "body") {
        // Inside a body the framing survives a gap: fill it with zeros and count them missing.
        const inBody = Math.min(left, this.#bodyLeft(draft));
        draft.errors.push({
          code: "GAP",
          direction: "request",
          offset: this.#requestOffset,
          message: `${inBody} body byte(s) were not captured (hashed as zeros)`,
        });
        this.#fillingGap = true;
        while (left > bytes - inBody) {
          const k = Math.min(left - (bytes - inBody), ZEROS.length);
          this.#parsePush(ZEROS.subarray(0, k));
          left -= k;
        }
        this.#fillingGap = false;
      }
    }
    if (left === 0) return;
    if (draft !== null && this.#state === PARSE) {
      draft.errors.push({
        code: "GAP",
        direction: "request",
        offset: this.#requestOffset,
        message: `${left} request byte(s) were not captured; looking for the next request`,
      });
    }
    this.#requestOffset += left;
    this.#startSearch("after a gap in the capture");
  }

  /** Server-to-client bytes, in order (a view). */
  answer(data: Buffer): void {
    const draft = this.#draft;
    if (draft === null) {
      this.#orphanAnswerBytes += data.length;
      return;
    }
    const now = this.#session.now;
    if (draft.answer === null) {
      draft.answerTime = now;
      const kind = payloadKindOf(draft.modifier1, draft.modifier2);
      draft.answer = new AnswerDecoder(
        !draft.hasPacket || kind === "vars",
        this.#session.previewBytes,
        draft.id,
        this.#session.onBody,
      );
    }
    draft.endTime = now;
    draft.answer.push(data);
  }

  /** `bytes` server-to-client bytes were not captured. */
  answerGap(bytes: number): void {
    const draft = this.#draft;
    if (draft === null) {
      this.#orphanAnswerBytes += bytes;
      return;
    }
    if (draft.answer === null) {
      draft.answer = new AnswerDecoder(false, this.#session.previewBytes, draft.id, undefined);
    }
    draft.answer.gap(bytes);
  }

  /** The connection ended (`closed`: the server closed its side). Reports what is open. */
  finish(closed: boolean): void {
    while (this.#state === SEARCH && this.#searchLength > 0 && this.#lastSearch()) {
      // Each round parses from a request found in what was left; what follows it may hold more.
    }
    if (this.#state === PARSE && this.#parser !== null && this.#draft !== null) {
      try {
        this.#parser.end();
      } catch (err) {
        // Not control flow: the parser reports a request cut short this way.
        this.#error(err as UwsgiError);
      }
    }
    this.#finishDraft(closed);
  }

  #parsePush(data: Buffer): void {
    if (this.#parser === null) this.#startRequest(data);
    const parser = this.#parser!;
    const draft = this.#draft!;
    if (!this.#fillingGap) draft.endTime = this.#session.now;
    try {
      parser.push(data);
    } catch (err) {
      // Not control flow: a decode error ends this request. The search for the next one starts
      // a byte after the failed packet's start when that is in this chunk, else at the chunk.
      this.#error(err as UwsgiError);
      const from = this.#requestOffset === 0 ? 1 : 0;
      this.#requestOffset += data.length;
      this.#startSearch("after a decode error");
      this.#skipped += from;
      if (data.length > from) this.#searchPush(data.subarray(from));
      return;
    }
    this.#requestOffset += data.length;
  }

  #startRequest(data: Buffer): void {
    this.#finishDraft(true);
    const session = this.#session;
    const draft = new Draft(session.nextId(), session.now, data[0] ?? 0, session.previewBytes);
    if (this.#skipped > 0) {
      draft.notes.push(
        `${this.#skipped} request byte(s) skipped before this request (${this.#searchReason})`,
      );
      this.#skipped = 0;
    }
    if (this.#orphanAnswerBytes > 0) {
      draft.notes.push(
        `${this.#orphanAnswerBytes} answer byte(s) seen before any request were ignored`,
      );
      this.#orphanAnswerBytes = 0;
    }
    this.#draft = draft;
    this.#requestOffset = 0;
    this.#parser = new PacketParser(this, {
      ...CAPTURE_DECODE_OPTIONS,
      mode: "request",
      afterBody: "return",
    });
  }

  #error(e: Error): void {
    const draft = this.#draft;
    if (draft === null) return;
    const typed = e instanceof UwsgiError;
    draft.errors.push({
      code: typed ? e.code : "UNEXPECTED",
      direction: "request",
      offset: typed ? e.offset : 0,
      // The listing shows the code and offset itself.
      message: typed ? e.detail : e.message,
    });
  }

  #bodyLeft(draft: Draft): number {
    return draft.contentLength - draft.body.length - draft.body.missing;
  }

  #startSearch(reason: string): void {
    this.#state = SEARCH;
    this.#parser = null;
    this.#searchReason = reason;
    this.#skipped += this.#searchLength;
    this.#searchLength = 0;
    this.#scanFrom = 0;
  }

  #searchPush(data: Buffer): void {
    let off = 0;
    while (off < data.length) {
      let buf = this.#search;
      const want = this.#searchLength + data.length - off;
      if (buf === null || (buf.length < want && buf.length < SEARCH_CAPACITY)) {
        // Grown as needed: a search usually ends within the first bytes.
        const grown = Buffer.allocUnsafe(Math.min(SEARCH_CAPACITY, Math.max(4096, 2 * want)));
        if (buf !== null) buf.copy(grown, 0, 0, this.#searchLength);
        buf = grown;
        this.#search = buf;
      }
      const n = Math.min(buf.length - this.#searchLength, data.length - off);
      data.copy(buf, this.#searchLength, off, off + n);
      this.#searchLength += n;
      off += n;
      const len = this.#searchLength;
      let k = this.#scanFrom;
      let verdict: number = Verdict.NO;
      for (; k < len; k++) {
        verdict = looksLikeUwsgi(buf, k, len);
        if (verdict !== Verdict.NO) break;
      }
      if (verdict === Verdict.YES) {
        this.#skipped += k;
        this.#searchLength = 0;
        this.#scanFrom = 0;
        this.#state = PARSE;
        const found = buf.subarray(k, len);
        // The rest of `data` follows the found bytes; parse both in order.
        this.#parsePush(found);
        if (off < data.length) this.request(data.subarray(off));
        return;
      }
      // Bytes before k are ruled out: drop them and keep the candidate (if any) at the front.
      this.#skipped += k;
      buf.copyWithin(0, k, len);
      this.#searchLength = len - k;
      this.#scanFrom = 0;
    }
  }

  /**
   * No more bytes will come: a candidate that was waiting for the rest of a long packet is not one.
   * Scans on past such candidates and parses from the first whole request; false when none.
   */
  #lastSearch(): boolean {
    const buf = this.#search!;
    const len = this.#searchLength;
    for (let k = 0; k < len; k++) {
      if (looksLikeUwsgi(buf, k, len) !== Verdict.YES) continue;
      this.#skipped += k;
      this.#searchLength = 0;
      this.#state = PARSE;
      // Copied: parsing may start a new search, which reuses the search buffer.
      this.request(Buffer.from(buf.subarray(k, len)));
      return true;
    }
    this.#skipped += len;
    this.#searchLength = 0;
    return false;
  }

  #finishDraft(closed: boolean): void {
    const draft = this.#draft;
    if (draft === null) return;
    this.#draft = null;
    const answer = draft.answer === null ? null : draft.answer.finish(closed);
    if (draft.answer !== null) {
      for (const p of draft.answer.problems) {
        draft.errors.push({
          code: p.code,
          direction: "answer",
          offset: p.offset,
          message: p.message,
        });
      }
    }
    if (!draft.hasPacket && draft.errors.length === 0) {
      draft.errors.push({
        code: "TRUNCATED",
        direction: "request",
        offset: 0,
        message: "the request's packet never arrived whole",
      });
    }
    const body = draft.body.summary(draft.bodyDone);
    this.#session.emit({
      id: draft.id,
      client: this.#client,
      server: this.#server,
      requestTime: draft.requestTime,
      answerTime: draft.answerTime,
      endTime: draft.endTime,
      modifier1: draft.modifier1,
      modifier2: draft.modifier2,
      modifierName: modifierName(draft.modifier1),
      datasize: draft.datasize,
      vars: draft.vars,
      payload: draft.payload,
      contentLength: draft.contentLength,
      body,
      answer,
      notes: draft.notes,
      errors: draft.errors,
    });
  }

  /** @internal PacketParser callback. */
  onPacket(packet: Packet): void {
    const draft = this.#draft!;
    draft.hasPacket = true;
    draft.modifier1 = packet.modifier1;
    draft.modifier2 = packet.modifier2;
    draft.datasize = packet.datasize;
    if (!modifierInfo(packet.modifier1).known) {
      draft.errors.push({
        code: "UNKNOWN_MODIFIER1",
        direction: "request",
        offset: this.#requestOffset,
        message: `modifier1 ${packet.modifier1} is not assigned by uWSGI (it closes such a connection)`,
      });
    }
    if (packet.kind === "vars") {
      // Detached: the packet may be a view of a frame whose memory is reused.
      draft.vars = packet.vars.detach();
      draft.contentLength = this.#parser!.bodyLength;
    } else {
      draft.payload = Buffer.from(packet.payload);
    }
  }

  /** @internal PacketParser callback. */
  onBody(piece: Buffer): void {
    const draft = this.#draft!;
    if (this.#fillingGap) draft.body.addMissing(piece.length);
    else draft.body.add(piece);
    this.#session.onBody?.(draft.id, "request", piece);
  }

  /** @internal PacketParser callback. */
  onBodyEnd(): void {
    this.#draft!.bodyDone = true;
  }

  /** @internal PacketParser callback. */
  onTrailing(bytes: Buffer): void {
    // Handled after push returns: the next request starts on these bytes.
    this.#trailing = bytes;
    this.#parser = null;
    if (this.#mode.searchAfterRequest) {
      this.#state = SEARCH;
      this.#searchReason = "after the previous request";
    }
  }
}
