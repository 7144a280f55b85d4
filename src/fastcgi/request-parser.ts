import { allocBytes, copyBytes } from "../codec/bytes.js";
import type { PairsView } from "../pairs/pairs-view.js";
import { gatherBuffer } from "../parser/gather-slab.js";
import { FastcgiError } from "./errors.js";
import { decodeParamsAt, type ParamsDecodeOptions, paramsOptions } from "./params.js";
import { FcgiType, KEEP_CONN } from "./record.js";
import { FcgiRecordParser } from "./record-parser.js";

/** What a FastCGI request parser reports (the application's side). */
export interface FcgiRequestHandler {
  /** BEGIN_REQUEST and the whole PARAMS stream are in. */
  onParams(params: PairsView, requestId: number, role: number, keepConn: boolean): void;
  /** A piece of the STDIN stream (a view of the pushed chunk). */
  onBody(piece: Uint8Array): void;
  /** The empty STDIN record: the request is complete. */
  onBodyEnd(): void;
}

const BEGIN = 0;
const PARAMS = 1;
const STDIN = 2;
const EMPTY = new Uint8Array(0);

/**
 * Streaming request decoder (the application's side): BEGIN_REQUEST, the PARAMS stream decoded
 * into a lazy view when its empty record arrives, then STDIN pieces passed on as views. A PARAMS
 * record that arrives whole in one chunk is not copied; one split across chunks is copied into
 * memory of its exact size; several PARAMS records are joined (a pair may straddle them).
 * Requests may follow one another on the connection (KEEP_CONN).
 */
// It is its own record parser's handler (no object per request); the callbacks are internal, so
// the published class does not name the interface.
export class FcgiRequestParser {
  readonly #handler: FcgiRequestHandler;
  readonly #records: FcgiRecordParser;
  readonly #options: Required<ParamsDecodeOptions>;
  #phase = BEGIN;
  #type = 0;
  #id = 0;
  readonly #begin = new Uint8Array(8);
  #beginFill = 0;
  #contentLength = 0;
  // The PARAMS stream so far: whole records (views or exact-size copies).
  readonly #parts: Uint8Array[] = [];
  #partsLength = 0;
  #partial: Uint8Array | undefined;
  #partialFill = 0;

  constructor(handler: FcgiRequestHandler, options?: ParamsDecodeOptions) {
    this.#handler = handler;
    this.#options = paramsOptions(options, "FcgiRequestParser");
    this.#records = new FcgiRecordParser(this);
  }

  /** Parses `chunk`; throws a `FastcgiError` on bad bytes (the parser then refuses more). */
  push(chunk: Uint8Array): void {
    this.#records.push(chunk);
  }

  /** Says the input is over; throws `TRUNCATED` inside a request. */
  end(): void {
    this.#records.end();
    if (this.#phase !== BEGIN) {
      throw new FastcgiError(
        "TRUNCATED",
        this.#records.offset,
        "the rest of a request",
        "the input ended inside a request",
      );
    }
  }

  /** @internal */
  onRecord(type: number, requestId: number, contentLength: number): void {
    const want =
      this.#phase === BEGIN
        ? FcgiType.BEGIN_REQUEST
        : this.#phase === PARAMS
          ? FcgiType.PARAMS
          : FcgiType.STDIN;
    const at = this.#records.offset;
    if (type !== want || requestId === 0 || (this.#phase !== BEGIN && requestId !== this.#id)) {
      throw new FastcgiError(
        "UNEXPECTED_RECORD",
        at,
        `a record of type ${want}`,
        `a record of type ${type} for request ${requestId}`,
      );
    }
    if (
      type === FcgiType.PARAMS &&
      this.#partsLength + contentLength > this.#options.maxParamsLength
    ) {
      // PARAMS are gathered until their empty record: bound what a peer can make us hold.
      throw new FastcgiError(
        "PARAMS_TOO_LARGE",
        at,
        `at most ${this.#options.maxParamsLength} bytes of PARAMS (option maxParamsLength)`,
        `${this.#partsLength + contentLength} bytes of PARAMS`,
      );
    }
    if (type === FcgiType.BEGIN_REQUEST && contentLength !== 8) {
      throw new FastcgiError(
        "UNEXPECTED_RECORD",
        at,
        "8 bytes of BEGIN_REQUEST",
        `a BEGIN_REQUEST of ${contentLength} bytes`,
      );
    }
    this.#type = type;
    this.#id = requestId;
    this.#contentLength = contentLength;
  }

  /** @internal */
  onContent(piece: Uint8Array): void {
    if (this.#type === FcgiType.STDIN) {
      this.#handler.onBody(piece);
    } else if (this.#type === FcgiType.PARAMS) {
      if (this.#partial === undefined && piece.length === this.#contentLength) {
        this.#parts.push(piece);
        this.#partsLength += piece.length;
        return;
      }
      this.#partial ??= gatherBuffer(this.#contentLength);
      copyBytes(piece, 0, piece.length, this.#partial, this.#partialFill);
      this.#partialFill += piece.length;
    } else {
      copyBytes(piece, 0, piece.length, this.#begin, this.#beginFill);
      this.#beginFill += piece.length;
    }
  }

  /** @internal */
  onRecordEnd(): void {
    if (this.#type === FcgiType.BEGIN_REQUEST) {
      this.#beginFill = 0;
      this.#phase = PARAMS;
    } else if (this.#type === FcgiType.PARAMS) {
      if (this.#partial !== undefined) {
        this.#parts.push(this.#partial);
        this.#partsLength += this.#partial.length;
        this.#partial = undefined;
        this.#partialFill = 0;
      } else if (this.#contentLength === 0) {
        this.#paramsDone();
      }
    } else if (this.#contentLength === 0) {
      this.#phase = BEGIN;
      this.#handler.onBodyEnd();
    }
  }

  #paramsDone(): void {
    const parts = this.#parts;
    let block: Uint8Array;
    if (parts.length === 1) block = parts[0]!;
    else if (parts.length === 0) block = EMPTY;
    else {
      block = allocBytes(this.#partsLength);
      let at = 0;
      for (const part of parts) {
        copyBytes(part, 0, part.length, block, at);
        at += part.length;
      }
    }
    parts.length = 0;
    this.#partsLength = 0;
    this.#phase = STDIN;
    const begin = this.#begin;
    this.#handler.onParams(
      // Offsets inside a gathered block cannot name a stream offset: errors point at the record.
      decodeParamsAt(block, 0, block.length, this.#options, 0),
      this.#id,
      (begin[0]! << 8) | begin[1]!,
      (begin[2]! & KEEP_CONN) !== 0,
    );
  }
}
