import { gatherBuffer } from "../../src/parser/gather-slab.js";
import { BaselineError } from "../baseline/errors.js";
import type { PairsView } from "../baseline/pairs-view.js";
import { decodeParams, type ParamsDecodeOptions } from "./params.js";
import { FCGI_VERSION, FcgiType, KEEP_CONN, RECORD_HEADER_SIZE } from "./record.js";

/** Receives records as they stream: content arrives in pieces that are views of the input. */
export interface RecordHandler {
  onRecord(type: number, requestId: number, contentLength: number): void;
  onContent(piece: Buffer): void;
  onRecordEnd(): void;
}

const HEADER = 0;
const CONTENT = 1;
const PADDING = 2;
const FAILED = 3;

/**
 * A push parser for FastCGI records, split anywhere: a state machine that copies only a header
 * that arrives split (into 8 bytes of its own) and hands content on as views of the input.
 */
export class FcgiRecordParser {
  readonly #handler: RecordHandler;
  #state = HEADER;
  #head: Buffer | undefined;
  #headFill = 0;
  #left = 0;
  #padding = 0;
  #offset = 0;

  constructor(handler: RecordHandler) {
    this.#handler = handler;
  }

  /** Bytes consumed so far (for error offsets). */
  get offset(): number {
    return this.#offset;
  }

  push(chunk: Buffer): void {
    if (this.#state === FAILED) {
      throw new BaselineError("fastcgi", "PARSER_FAILED", this.#offset, "a new parser", "failed");
    }
    try {
      this.#push(chunk);
    } catch (err) {
      this.#state = FAILED;
      throw err;
    }
  }

  #push(chunk: Buffer): void {
    const n = chunk.length;
    let p = 0;
    while (p < n) {
      if (this.#state === HEADER) {
        if (this.#headFill === 0 && n - p >= RECORD_HEADER_SIZE) {
          this.#header(chunk, p);
          p += RECORD_HEADER_SIZE;
        } else {
          if (this.#head === undefined) this.#head = Buffer.allocUnsafe(RECORD_HEADER_SIZE);
          const head = this.#head;
          const take = Math.min(RECORD_HEADER_SIZE - this.#headFill, n - p);
          chunk.copy(head, this.#headFill, p, p + take);
          this.#headFill += take;
          p += take;
          if (this.#headFill < RECORD_HEADER_SIZE) break;
          this.#headFill = 0;
          this.#header(head, 0);
        }
        this.#offset += RECORD_HEADER_SIZE;
      } else if (this.#state === CONTENT) {
        const take = this.#left < n - p ? this.#left : n - p;
        this.#handler.onContent(chunk.subarray(p, p + take));
        p += take;
        this.#offset += take;
        this.#left -= take;
        if (this.#left === 0) this.#afterContent();
      } else {
        const take = this.#padding < n - p ? this.#padding : n - p;
        p += take;
        this.#offset += take;
        this.#padding -= take;
        if (this.#padding === 0) {
          this.#state = HEADER;
          this.#handler.onRecordEnd();
        }
      }
    }
  }

  #header(buf: Buffer, at: number): void {
    if (buf[at] !== FCGI_VERSION) {
      throw new BaselineError("fastcgi", "BAD_VERSION", this.#offset, "version 1", `${buf[at]}`);
    }
    this.#left = (buf[at + 4]! << 8) | buf[at + 5]!;
    this.#padding = buf[at + 6]!;
    this.#handler.onRecord(buf[at + 1]!, (buf[at + 2]! << 8) | buf[at + 3]!, this.#left);
    if (this.#left > 0) this.#state = CONTENT;
    else this.#afterContent();
  }

  #afterContent(): void {
    if (this.#padding > 0) {
      this.#state = PADDING;
      return;
    }
    this.#state = HEADER;
    this.#handler.onRecordEnd();
  }

  /** Says the input is over; throws TRUNCATED inside a record. */
  end(): void {
    if (this.#state === FAILED) return;
    if (this.#state !== HEADER || this.#headFill !== 0) {
      this.#state = FAILED;
      throw new BaselineError("fastcgi", "TRUNCATED", this.#offset, "the rest of a record", "end");
    }
  }
}

/** What a FastCGI request parser reports. */
export interface FcgiRequestHandler {
  onParams(params: PairsView, requestId: number, role: number, keepConn: boolean): void;
  onBody(piece: Buffer): void;
  onBodyEnd(): void;
}

const BEGIN = 0;
const PARAMS = 1;
const STDIN = 2;

/**
 * Streaming request decoder (the application's side): BEGIN_REQUEST, the PARAMS stream decoded
 * into a lazy view when its empty record arrives, then STDIN pieces passed on as views. A PARAMS
 * record that arrives whole in one chunk is not copied; one split across chunks is copied into a
 * buffer of its exact size; several PARAMS records are joined (a pair may straddle them).
 * Requests may follow one another (KEEP_CONN).
 */
export class FcgiRequestParser implements RecordHandler {
  readonly #handler: FcgiRequestHandler;
  readonly #records: FcgiRecordParser;
  readonly #options: ParamsDecodeOptions | undefined;
  readonly #maxParams: number;
  #phase = BEGIN;
  #type = 0;
  #id = 0;
  #role = 0;
  #keepConn = false;
  #begin = Buffer.alloc(8);
  #beginFill = 0;
  #contentLength = 0;
  // The PARAMS stream so far: whole records (views or exact-size copies).
  readonly #parts: Buffer[] = [];
  #partsLength = 0;
  #partial: Buffer | undefined;
  #partialFill = 0;

  constructor(handler: FcgiRequestHandler, options?: ParamsDecodeOptions) {
    this.#handler = handler;
    this.#options = options;
    this.#maxParams = options?.maxParamsLength ?? 1024 * 1024;
    this.#records = new FcgiRecordParser(this);
  }

  push(chunk: Buffer): void {
    this.#records.push(chunk);
  }

  end(): void {
    this.#records.end();
    if (this.#phase !== BEGIN) {
      throw new BaselineError(
        "fastcgi",
        "TRUNCATED",
        this.#records.offset,
        "the rest of a request",
        "end",
      );
    }
  }

  onRecord(type: number, requestId: number, contentLength: number): void {
    const want =
      this.#phase === BEGIN
        ? FcgiType.BEGIN_REQUEST
        : this.#phase === PARAMS
          ? FcgiType.PARAMS
          : FcgiType.STDIN;
    if (type !== want || requestId === 0 || (this.#phase !== BEGIN && requestId !== this.#id)) {
      throw new BaselineError(
        "fastcgi",
        "UNEXPECTED_RECORD",
        this.#records.offset,
        `a record of type ${want}`,
        `type ${type} for request ${requestId}`,
      );
    }
    if (type === FcgiType.PARAMS && this.#partsLength + contentLength > this.#maxParams) {
      // PARAMS are gathered until their empty record: bound what a peer can make us hold.
      throw new BaselineError(
        "fastcgi",
        "PARAMS_TOO_LARGE",
        this.#records.offset,
        `at most ${this.#maxParams} bytes of PARAMS`,
        `${this.#partsLength + contentLength} bytes`,
      );
    }
    if (type === FcgiType.BEGIN_REQUEST && contentLength !== 8) {
      throw new BaselineError(
        "fastcgi",
        "UNEXPECTED_RECORD",
        this.#records.offset,
        "8 bytes",
        `${contentLength}`,
      );
    }
    this.#type = type;
    this.#id = requestId;
    this.#contentLength = contentLength;
  }

  onContent(piece: Buffer): void {
    if (this.#type === FcgiType.STDIN) {
      this.#handler.onBody(piece);
    } else if (this.#type === FcgiType.PARAMS) {
      if (this.#partial === undefined && piece.length === this.#contentLength) {
        this.#parts.push(piece);
        this.#partsLength += piece.length;
        return;
      }
      if (this.#partial === undefined) this.#partial = gatherBuffer(this.#contentLength) as Buffer; // a Buffer under Node
      const partial = this.#partial;
      this.#partialFill += piece.copy(partial, this.#partialFill);
    } else {
      this.#beginFill += piece.copy(this.#begin, this.#beginFill);
    }
  }

  onRecordEnd(): void {
    if (this.#type === FcgiType.BEGIN_REQUEST) {
      this.#role = (this.#begin[0]! << 8) | this.#begin[1]!;
      this.#keepConn = (this.#begin[2]! & KEEP_CONN) !== 0;
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
    const block =
      parts.length === 1
        ? parts[0]!
        : parts.length === 0
          ? EMPTY
          : Buffer.concat(parts, this.#partsLength);
    parts.length = 0;
    this.#partsLength = 0;
    this.#phase = STDIN;
    this.#handler.onParams(
      decodeParams(block, 0, block.length, this.#options),
      this.#id,
      this.#role,
      this.#keepConn,
    );
  }
}

const EMPTY = Buffer.alloc(0);

/** What a FastCGI response parser reports (the web server's side). */
export interface FcgiResponseHandler {
  onStdout(piece: Buffer): void;
  onStderr(piece: Buffer): void;
  onEnd(appStatus: number, protocolStatus: number): void;
}

/** Streaming response decoder: STDOUT and STDERR pieces as views, then END_REQUEST. */
export class FcgiResponseParser implements RecordHandler {
  readonly #handler: FcgiResponseHandler;
  readonly #records: FcgiRecordParser;
  #type = 0;
  readonly #end = Buffer.alloc(8);
  #endFill = 0;

  constructor(handler: FcgiResponseHandler) {
    this.#handler = handler;
    this.#records = new FcgiRecordParser(this);
  }

  push(chunk: Buffer): void {
    this.#records.push(chunk);
  }

  end(): void {
    this.#records.end();
  }

  onRecord(type: number, _requestId: number, contentLength: number): void {
    if (
      type !== FcgiType.STDOUT &&
      type !== FcgiType.STDERR &&
      !(type === FcgiType.END_REQUEST && contentLength === 8)
    ) {
      throw new BaselineError(
        "fastcgi",
        "UNEXPECTED_RECORD",
        this.#records.offset,
        "STDOUT, STDERR or END_REQUEST",
        `type ${type} with ${contentLength} bytes`,
      );
    }
    this.#type = type;
  }

  onContent(piece: Buffer): void {
    if (this.#type === FcgiType.STDOUT) this.#handler.onStdout(piece);
    else if (this.#type === FcgiType.STDERR) this.#handler.onStderr(piece);
    else this.#endFill += piece.copy(this.#end, this.#endFill);
  }

  onRecordEnd(): void {
    if (this.#type !== FcgiType.END_REQUEST) return;
    this.#endFill = 0;
    this.#handler.onEnd(this.#end.readUInt32BE(0), this.#end[4]!);
  }
}
