import { PacketParser, type ParserOptions } from "../parser/packet-parser.js";
import { EventQueue, type ParserEvent } from "./events.js";

/**
 * Parses a byte stream (a socket, a file stream, a WHATWG `ReadableStream`: anything async-iterable
 * over Uint8Array) into events. The source's end is the stream's end, so a stream cut short gives
 * `TRUNCATED`. Breaking out of the loop returns the source's iterator, which releases it.
 */
export async function* parseStream(
  source: AsyncIterable<Uint8Array>,
  options?: ParserOptions,
): AsyncGenerator<ParserEvent, void, undefined> {
  const queue = new EventQueue();
  const parser = new PacketParser(queue, options);
  for await (const chunk of source) {
    parser.push(chunk);
    yield* queue.take();
  }
  parser.end();
  yield* queue.take();
}
