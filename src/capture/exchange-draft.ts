import { type AnswerFraming, answerFramingOf } from "../codec/answer-framing.js";
import { HEADER_SIZE } from "../codec/constants.js";
import { modifierName } from "../codec/modifiers.js";
import type { VarsView } from "../codec/vars-view.js";
import type { AnswerDecoder } from "./answer-decoder.js";
import { BodyDigest } from "./body-digest.js";
import type {
  CapturedExchange,
  CaptureTime,
  Endpoint,
  ExchangeError,
  RequestBodyFraming,
} from "./exchange.js";
import { GapRun } from "./gap-run.js";
import type { DecodeSession } from "./session.js";

/** One request and its answer while they are being read; {@link finish} makes the exchange. */
export class ExchangeDraft {
  readonly id: number;
  readonly requestTime: CaptureTime | null;
  answerTime: CaptureTime | null = null;
  endTime: CaptureTime | null;
  modifier1: number;
  modifier2 = 0;
  datasize = 0;
  /** Bytes of the packet's header seen (the fields above are read from them as they come). */
  headerLength = 0;
  vars: VarsView | null = null;
  payload: Buffer | null = null;
  contentLength = 0;
  bodyFraming: RequestBodyFraming = "none";
  hasPacket = false;
  bodyDone = false;
  readonly body: BodyDigest;
  answer: AnswerDecoder | null = null;
  readonly notes: string[] = [];
  readonly errors: ExchangeError[] = [];
  // Holes in a row are one error.
  readonly #gaps = new GapRun();

  constructor(session: DecodeSession, modifier1: number) {
    this.id = session.nextId();
    this.requestTime = session.now;
    this.endTime = session.now;
    this.modifier1 = modifier1;
    this.body = new BodyDigest(session.previewBytes, session.digest, session.work);
  }

  /**
   * Reads the header's fields from the request's first bytes, `data` following `headerLength`
   * bytes seen: a request cut inside its packet still shows its modifiers and datasize.
   */
  noteHeader(data: Uint8Array): void {
    let i = 0;
    while (this.headerLength < HEADER_SIZE && i < data.length) {
      const b = data[i++]!;
      const at = this.headerLength++;
      if (at === 0) this.modifier1 = b;
      else if (at === 1) this.datasize = b;
      else if (at === 2) this.datasize |= b << 8;
      else this.modifier2 = b;
    }
  }

  /** How the answer to this request is framed: by its header, or HTTP before that is known. */
  answerFraming(): AnswerFraming {
    return this.headerLength === HEADER_SIZE
      ? answerFramingOf(this.modifier1, this.modifier2)
      : "http";
  }

  /** Body bytes still expected (CONTENT_LENGTH or size, less what was seen or lost). */
  get bodyLeft(): number {
    return this.contentLength - this.body.position;
  }

  /** A request error. */
  error(code: string, offset: number, message: string): void {
    this.#gaps.end(this.errors);
    this.errors.push({ code, direction: "request", offset, message });
  }

  /**
   * Request bytes at `offset` were not captured: `inBody` of the body, then `after` past it
   * (`after` > 0 means the next request is looked for; `chunked`: inside a chunked body).
   */
  gap(offset: number, inBody: number, after: number, chunked = false): void {
    const bytes = inBody + after;
    if (this.#gaps.extend(this.errors, bytes)) return;
    const message =
      after === 0
        ? `${bytes} body byte(s) were not captured`
        : inBody > 0
          ? `${bytes} byte(s) were not captured (the body's last ${inBody} and ${after} after it); looking for the next request`
          : chunked
            ? `${bytes} byte(s) of the chunked body were not captured (its framing is lost with them); looking for the next request`
            : `${bytes} request byte(s) were not captured; looking for the next request`;
    this.#gaps.start(this.errors, bytes, { code: "GAP", direction: "request", offset, message });
  }

  /** The exchange as reported; `closed` says the server closed its side. Call once. */
  finish(client: Endpoint | null, server: Endpoint | null, closed: boolean): CapturedExchange {
    this.#gaps.end(this.errors);
    const answer = this.answer === null ? null : this.answer.finish(closed);
    if (this.answer !== null) {
      for (const p of this.answer.problems) {
        this.errors.push({
          code: p.code,
          direction: "answer",
          offset: p.offset,
          message: p.message,
        });
      }
    }
    if (!this.hasPacket && this.errors.length === 0) {
      this.error("TRUNCATED", 0, "the request's packet never arrived whole");
    }
    return {
      id: this.id,
      client,
      server,
      requestTime: this.requestTime,
      answerTime: this.answerTime,
      endTime: this.endTime,
      modifier1: this.modifier1,
      modifier2: this.modifier2,
      modifierName: modifierName(this.modifier1),
      datasize: this.datasize,
      vars: this.vars,
      payload: this.payload,
      contentLength: this.contentLength,
      bodyFraming: this.bodyFraming,
      body: this.body.summary(this.bodyDone),
      answer,
      notes: this.notes,
      errors: this.errors,
    };
  }
}

/**
 * A cache request's `size` as uWSGI reads it: the last `size` var's leading digits (none: 0);
 * -1 when too large to be exact.
 */
export function valueSizeOf(vars: VarsView): number {
  const v = vars.getBytes("size");
  if (v === undefined) return 0;
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    const digit = v[i]! - 0x30;
    if (digit < 0 || digit > 9) break;
    n = n * 10 + digit;
    if (n > Number.MAX_SAFE_INTEGER) return -1;
  }
  return n;
}
