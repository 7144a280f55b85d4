import { FastcgiError } from "./errors.js";
import { FcgiType } from "./record.js";
import { FcgiRecordParser } from "./record-parser.js";

/** What a FastCGI response parser reports (the web server's side). */
export interface FcgiResponseHandler {
  /** A piece of the STDOUT stream (a view of the pushed chunk). */
  onStdout(piece: Uint8Array): void;
  /** A piece of the STDERR stream (a view of the pushed chunk). */
  onStderr(piece: Uint8Array): void;
  /** END_REQUEST: the application's exit status and the protocol status. */
  onEnd(appStatus: number, protocolStatus: number): void;
}

/** Streaming response decoder: STDOUT and STDERR pieces as views, then END_REQUEST. */
// Its own record parser's handler; the callbacks are internal (see FcgiRequestParser).
export class FcgiResponseParser {
  readonly #handler: FcgiResponseHandler;
  readonly #records: FcgiRecordParser;
  #type = 0;
  readonly #end = new Uint8Array(8);
  #endFill = 0;

  constructor(handler: FcgiResponseHandler) {
    this.#handler = handler;
    this.#records = new FcgiRecordParser(this);
  }

  /** Parses `chunk`; throws a `FastcgiError` on bad bytes (the parser then refuses more). */
  push(chunk: Uint8Array): void {
    this.#records.push(chunk);
  }

  /** Says the input is over; throws `TRUNCATED` inside a record. */
  end(): void {
    this.#records.end();
  }

  /** @internal */
  onRecord(type: number, _requestId: number, contentLength: number): void {
    if (
      type !== FcgiType.STDOUT &&
      type !== FcgiType.STDERR &&
      !(type === FcgiType.END_REQUEST && contentLength === 8)
    ) {
      throw new FastcgiError(
        "UNEXPECTED_RECORD",
        this.#records.offset,
        "STDOUT, STDERR or an 8-byte END_REQUEST",
        `a record of type ${type} with ${contentLength} bytes`,
      );
    }
    this.#type = type;
  }

  /** @internal */
  onContent(piece: Uint8Array): void {
    if (this.#type === FcgiType.STDOUT) this.#handler.onStdout(piece);
    else if (this.#type === FcgiType.STDERR) this.#handler.onStderr(piece);
    else {
      this.#end.set(piece, this.#endFill);
      this.#endFill += piece.length;
    }
  }

  /** @internal */
  onRecordEnd(): void {
    if (this.#type !== FcgiType.END_REQUEST) return;
    this.#endFill = 0;
    const e = this.#end;
    const appStatus = ((e[0]! << 24) | (e[1]! << 16) | (e[2]! << 8) | e[3]!) >>> 0;
    this.#handler.onEnd(appStatus, e[4]!);
  }
}
