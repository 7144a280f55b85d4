import { requestTrailerOf } from "../codec/answer-framing.js";
import { HEADER_SIZE } from "../codec/constants.js";
import { truncated, UwsgiError } from "../codec/errors.js";
import type { DecodeOptions } from "../codec/limits.js";
import { modifierInfo } from "../codec/modifiers.js";
import type { Packet } from "../codec/packet.js";
import { PacketParser, type ParserHandler, type ParserOptions } from "../parser/packet-parser.js";
import { AnswerDecoder } from "./answer-decoder.js";
import type { Endpoint } from "./exchange.js";
import { ExchangeDraft, valueSizeOf } from "./exchange-draft.js";
import type { RequestFinder } from "./request-finder.js";
import type { DecodeSession } from "./session.js";

/** Decode options for captured requests: as lenient as the wire allows, so problems get reported. */
export const CAPTURE_DECODE_OPTIONS: DecodeOptions = Object.freeze({
  maxDatasize: 65535,
  maxVars: 16384,
  maxItems: 16384,
  allowEmptyKeys: true,
});

// One options object for every request's parser (they are checked once per parser).
const PARSER_OPTIONS: ParserOptions = Object.freeze({
  ...CAPTURE_DECODE_OPTIONS,
  mode: "request",
  afterBody: "return",
});

/** Looking for where a request starts. */
const SEARCH = 0;
/** Parsing a request (its packet, then its body) with a PacketParser. */
const PARSE = 1;
/**
 * Reading a body of known length without the parser: the rest of a body whose bytes the capture
 * partly lost, or a cache set's value (`size` bytes, which the parser does not know of).
 */
const BODY = 2;

/** How a conversation starts and goes on after each request. */
export interface ConversationMode {
  /** Look for a request header (strictly) before parsing; else parse from the first byte. */
  readonly search: boolean;
  /** Why searching, for the note on the exchange found: "connection started before the capture". */
  readonly searchReason: string;
  /** After a request and its body: search for the next header (true) or parse straight on. */
  readonly searchAfterRequest: boolean;
}

/**
 * The uwsgi side of one TCP connection (or of a raw byte stream): requests from the client,
 * parsed with {@link PacketParser}, and the answers, paired in order. Reports each exchange to the
 * session when the next request starts or the connection ends.
 *
 * What follows a request packet is what uWSGI reads after it (`requestTrailerOf`): for requests
 * with vars the parser's body (CONTENT_LENGTH bytes, or a chunked stream it de-chunks); for a
 * cache "magic" request the value of `size` bytes; for the others nothing, so the parser is given
 * the packet's bytes alone. The answer is framed by the request's modifiers (`answerFramingOf`).
 *
 * Searching: a connection that started before the capture, or a request stream after a gap or a
 * decode error, is searched for the next offset where a whole, plausible uwsgi request starts
 * (see `looksLikeUwsgi` and `RequestFinder`); the bytes before it are skipped and said so in a
 * note. A gap inside a body is counted, never filled: the body goes on after it.
 */
export class Conversation implements ParserHandler {
  readonly #session: DecodeSession;
  readonly #client: Endpoint | null;
  readonly #server: Endpoint | null;
  readonly #mode: ConversationMode;
  #state: number;
  #parser: PacketParser | null = null;
  #draft: ExchangeDraft | null = null;
  #trailing: Buffer | null = null;
  #requestOffset = 0;
  #finder: RequestFinder | null = null;
  #skipped = 0;
  #searchReason: string;
  #orphanAnswerBytes = 0;
  // Request offset where the packet ends when uWSGI reads no CONTENT_LENGTH body after it (the
  // parser then gets the packet's bytes alone); -1 otherwise, or before the header is known.
  #packetEnd = -1;

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
      else if (this.#state === BODY) this.#bodyPush(next);
      else this.#parsePush(next);
      next = this.#trailing;
      this.#trailing = null;
    }
  }

  /** `bytes` client-to-server bytes were not captured. */
  requestGap(bytes: number): void {
    const draft = this.#draft;
    const searching = this.#state === SEARCH;
    const at = this.#requestOffset;
    let lost = 0;
    const parser = this.#parser;
    const chunked = parser !== null && parser.state === "body" && parser.bodyMode === "chunked";
    if (draft !== null && (this.#state === BODY || (parser?.state === "body" && !chunked))) {
      // Inside a body the framing survives a gap: the missing bytes are counted, and the body
      // goes on after them without the parser.
      lost = Math.min(bytes, draft.bodyLeft);
      draft.body.addMissing(lost);
      this.#requestOffset += lost;
      this.#parser = null;
      this.#state = BODY;
      if (draft.bodyLeft === 0) this.#bodyEnded();
    }
    const left = bytes - lost;
    // A chunked body's framing is lost with its bytes: the next request is looked for.
    if (draft !== null && !searching) draft.gap(at, lost, left, chunked);
    if (left === 0) return;
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
      draft.answer = new AnswerDecoder(draft.answerFraming(), this.#session, draft.id);
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
    draft.answer ??= new AnswerDecoder(draft.answerFraming(), this.#session, draft.id);
    draft.answer.gap(bytes);
  }

  /** The connection ended (`closed`: the server closed its side). Reports what is open. */
  finish(closed: boolean): void {
    while (this.#state === SEARCH && this.#finder !== null && this.#finder.length > 0) {
      // A candidate that waited for the rest of a long packet is not one: look on past it.
      const finder = this.#finder;
      const k = finder.find(Number.POSITIVE_INFINITY, true);
      if (k < 0) {
        this.#skipped += finder.length;
        finder.reset();
        break;
      }
      this.#skipped += k;
      this.#state = PARSE;
      // Parsing from it may start a new search: the finder hands its bytes over first.
      this.request(finder.take(k));
    }
    const draft = this.#draft;
    if (draft !== null && this.#state === BODY && draft.bodyLeft > 0) {
      // The parser's own words for a body cut short (the parser is gone after the gap).
      const left = draft.bodyLeft;
      const length = draft.contentLength;
      this.#error(
        truncated(
          this.#requestOffset,
          left,
          `${length}-byte body (it ended after ${length - left})`,
        ),
      );
    } else if (this.#state === PARSE && this.#parser !== null && draft !== null) {
      try {
        this.#parser.end();
      } catch (err) {
        // Not control flow: the parser reports a request cut short this way.
        if (!(err instanceof UwsgiError)) throw err;
        this.#error(err);
      }
    }
    this.#finishDraft(closed);
  }

  #parsePush(data: Buffer): void {
    if (this.#parser === null) this.#startRequest(data);
    const parser = this.#parser!;
    const draft = this.#draft!;
    draft.endTime = this.#session.now;
    if (draft.headerLength < HEADER_SIZE) this.#readHeader(draft, data);
    const end = this.#packetEnd;
    const take = end < 0 ? data.length : Math.min(data.length, end - this.#requestOffset);
    try {
      parser.push(take === data.length ? data : data.subarray(0, take));
    } catch (err) {
      // Not control flow: a decode error ends this request. The search for the next one starts
      // a byte after the failed packet's start when that is in this chunk, else at the chunk.
      // An error from user code (onBody) is no decode error: it goes on as it is.
      if (!(err instanceof UwsgiError)) throw err;
      this.#error(err);
      const from = this.#requestOffset === 0 ? 1 : 0;
      this.#requestOffset += data.length;
      this.#startSearch("after a decode error");
      this.#skipped += from;
      if (data.length > from) this.#searchPush(data.subarray(from));
      return;
    }
    this.#requestOffset += take;
    if (end >= 0 && this.#requestOffset === end) {
      this.#afterPacket();
      if (take < data.length) this.#trailing = data.subarray(take);
    }
  }

  /**
   * The request's header is being read: once it is whole, a request uWSGI reads no CONTENT_LENGTH
   * body after is cut at its packet's end.
   */
  #readHeader(draft: ExchangeDraft, data: Buffer): void {
    draft.noteHeader(data);
    if (draft.headerLength < HEADER_SIZE) return;
    const trailer = requestTrailerOf(draft.modifier1, draft.modifier2);
    if (trailer !== "content-length") this.#packetEnd = HEADER_SIZE + draft.datasize;
  }

  /** A packet the parser had alone is whole: its value (`size` bytes) or the next request follows. */
  #afterPacket(): void {
    this.#packetEnd = -1;
    const draft = this.#draft!;
    if (draft.bodyLeft > 0) {
      // The parser saw a request without a body; the value is read here.
      draft.bodyDone = false;
      this.#parser = null;
      this.#state = BODY;
    } else {
      this.#bodyEnded();
    }
  }

  #bodyPush(data: Buffer): void {
    const draft = this.#draft!;
    const n = Math.min(draft.bodyLeft, data.length);
    draft.endTime = this.#session.now;
    this.#requestOffset += n;
    this.onBody(n === data.length ? data : data.subarray(0, n));
    if (draft.bodyLeft > 0) return;
    this.#bodyEnded();
    if (n < data.length) this.#trailing = data.subarray(n);
  }

  /** The body of a request read without its parser is complete: the next request follows. */
  #bodyEnded(): void {
    this.#draft!.bodyDone = true;
    this.#parser = null;
    if (this.#mode.searchAfterRequest) this.#startSearch("after the previous request", false);
    else this.#state = PARSE;
  }

  #startRequest(data: Buffer): void {
    this.#finishDraft(true);
    const draft = new ExchangeDraft(this.#session, data[0] ?? 0);
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
    this.#packetEnd = -1;
    this.#parser = new PacketParser(this, PARSER_OPTIONS);
  }

  #error(e: UwsgiError): void {
    // The listing shows the code and offset itself.
    this.#draft?.error(e.code, e.offset, e.detail);
  }

  /** Starts looking for a request; `dropHeld`: bytes held by an earlier search are skipped. */
  #startSearch(reason: string, dropHeld = true): void {
    this.#state = SEARCH;
    this.#parser = null;
    this.#packetEnd = -1;
    this.#searchReason = reason;
    if (this.#finder !== null) {
      if (dropHeld) this.#skipped += this.#finder.length;
      this.#finder.reset();
    }
  }

  #searchPush(data: Buffer): void {
    this.#finder ??= this.#session.finder();
    const finder = this.#finder;
    let off = 0;
    while (off < data.length) {
      off += finder.append(data, off);
      const k = finder.find(Number.POSITIVE_INFINITY, false);
      if (k >= 0) {
        this.#skipped += k;
        this.#state = PARSE;
        // The rest of `data` follows the found bytes; parse both in order (what the found
        // bytes leave over first).
        this.#parsePush(finder.take(k));
        const left = this.#trailing;
        this.#trailing = null;
        if (left !== null) this.request(left);
        if (off < data.length) this.request(data.subarray(off));
        return;
      }
      // Offsets ruled out are dropped once they are half the window (or it is full).
      this.#skipped += finder.compact();
    }
  }

  #finishDraft(closed: boolean): void {
    const draft = this.#draft;
    if (draft === null) return;
    this.#draft = null;
    this.#session.emit(draft.finish(this.#client, this.#server, closed));
  }

  /** PacketParser callback. */
  onPacket(packet: Packet): void {
    const draft = this.#draft!;
    draft.hasPacket = true;
    draft.modifier1 = packet.modifier1;
    draft.modifier2 = packet.modifier2;
    draft.datasize = packet.datasize;
    if (!modifierInfo(packet.modifier1).known) {
      draft.error(
        "UNKNOWN_MODIFIER1",
        this.#requestOffset,
        `modifier1 ${packet.modifier1} is not assigned by uWSGI (it closes such a connection)`,
      );
    }
    if (packet.kind === "vars") {
      // Detached: the packet may be a view of a frame whose memory is reused.
      draft.vars = packet.vars.detach();
      if (this.#packetEnd < 0) {
        const parser = this.#parser!;
        draft.contentLength = parser.bodyLength;
        draft.bodyFraming = parser.bodyMode;
      } else if (requestTrailerOf(packet.modifier1, packet.modifier2) === "size") {
        const size = valueSizeOf(packet.vars);
        if (size < 0) {
          draft.error(
            "BODY_TOO_LARGE",
            this.#requestOffset,
            "the cache request's size is too large to be exact; the bytes after it are not read as its value",
          );
        } else if (size > 0) {
          draft.contentLength = size;
          draft.bodyFraming = "size";
        }
      }
    } else {
      draft.payload = Buffer.from(packet.payload);
    }
  }

  /** PacketParser callback, and the body read without the parser. */
  onBody(piece: Buffer): void {
    const draft = this.#draft!;
    const at = draft.body.position;
    draft.body.add(piece);
    this.#session.onBody?.(draft.id, "request", piece, at);
  }

  /** PacketParser callback. */
  onBodyEnd(): void {
    this.#draft!.bodyDone = true;
  }

  /** PacketParser callback. */
  onTrailing(bytes: Buffer): void {
    // Handled after push returns: the next request starts on these bytes.
    this.#trailing = bytes;
    this.#parser = null;
    if (this.#mode.searchAfterRequest) this.#startSearch("after the previous request", false);
  }
}
