import { modifierName } from "../codec/modifiers.js";
import type { VarsView } from "../codec/vars-view.js";
import type { AnswerDecoder } from "./answer-decoder.js";
import { BodyDigest } from "./body-digest.js";
import type { CapturedExchange, CaptureTime, Endpoint, ExchangeError } from "./exchange.js";
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
  vars: VarsView | null = null;
  payload: Buffer | null = null;
  contentLength = 0;
  hasPacket = false;
  bodyDone = false;
  readonly body: BodyDigest;
  answer: AnswerDecoder | null = null;
  readonly notes: string[] = [];
  readonly errors: ExchangeError[] = [];
  // The request's last error, when it is a gap: holes in a row are one error.
  #gapBytes = 0;
  #gapHoles = 0;

  constructor(session: DecodeSession, modifier1: number) {
    this.id = session.nextId();
    this.requestTime = session.now;
    this.endTime = session.now;
    this.modifier1 = modifier1;
    this.body = new BodyDigest(session.previewBytes, session.digest, session.work);
  }

  /** Body bytes still expected (CONTENT_LENGTH less what was seen or lost). */
  get bodyLeft(): number {
    return this.contentLength - this.body.position;
  }

  /** A request error. */
  error(code: string, offset: number, message: string): void {
    this.errors.push({ code, direction: "request", offset, message });
    this.#gapHoles = 0;
  }

  /** `bytes` request bytes were not captured at `offset` (`what`: why it matters). */
  gap(offset: number, bytes: number, what: string): void {
    if (this.#gapHoles > 0) {
      this.#gapBytes += bytes;
      this.#gapHoles++;
      this.errors[this.errors.length - 1] = {
        code: "GAP",
        direction: "request",
        offset: this.errors[this.errors.length - 1]!.offset,
        message: `${this.#gapBytes} byte(s) in ${this.#gapHoles} hole(s) were not captured`,
      };
      return;
    }
    this.errors.push({ code: "GAP", direction: "request", offset, message: what });
    this.#gapBytes = bytes;
    this.#gapHoles = 1;
  }

  /** The exchange as reported; `closed` says the server closed its side. Call once. */
  finish(client: Endpoint | null, server: Endpoint | null, closed: boolean): CapturedExchange {
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
      body: this.body.summary(this.bodyDone),
      answer,
      notes: this.notes,
      errors: this.errors,
    };
  }
}
