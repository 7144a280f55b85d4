import { Transform, type TransformCallback } from "node:stream";
import { PacketParser, type ParserOptions } from "../parser/packet-parser.js";
import { EventQueue } from "./events.js";

/**
 * A Node `Transform`: bytes in, parser events out (object mode), for `socket.pipe(decoder)` or
 * `stream.pipeline`. Backpressure is Node's: when the reader stops, the readable side fills to its
 * high-water mark and the decoder stops taking bytes, which stops reading from the source.
 */
export class PacketDecoder extends Transform {
  readonly #queue = new EventQueue();
  readonly #parser: PacketParser;

  constructor(options?: ParserOptions) {
    // Strings are not turned into bytes: a source with setEncoding() has already lost them, and
    // the parser says so (ERR_INVALID_ARG_TYPE) instead of parsing re-encoded text.
    super({ readableObjectMode: true, decodeStrings: false });
    this.#parser = new PacketParser(this.#queue, options);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.#parser.push(chunk);
    } catch (err) {
      callback(err as Error);
      return;
    }
    for (const event of this.#queue.take()) this.push(event);
    callback();
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.#parser.end();
    } catch (err) {
      callback(err as Error);
      return;
    }
    for (const event of this.#queue.take()) this.push(event);
    callback();
  }
}
