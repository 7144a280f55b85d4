import { invalidArgType } from "../codec/arguments.js";
import { PacketParser, type ParserOptions } from "../parser/packet-parser.js";
import { EventQueue, type ParserEvent } from "./events.js";

/**
 * Parses a byte stream (a socket, a file stream, a WHATWG `ReadableStream`: anything async-iterable
 * over Uint8Array) into events. The source's end is the stream's end, so a stream cut short gives
 * `TRUNCATED`; a malformed stream rejects the loop with the `UwsgiError`. Breaking out of the
 * loop returns the source's iterator, which releases it. The source and options are checked at
 * the call, as Node checks arguments; a source giving strings (a socket with `setEncoding()`) is
 * refused at its first chunk.
 */
export function parseStream(
  source: AsyncIterable<Uint8Array>,
  options?: ParserOptions,
): AsyncGenerator<ParserEvent, void, undefined> {
  if (
    source === null ||
    (typeof source !== "object" && typeof source !== "function") ||
    typeof (source as Partial<AsyncIterable<Uint8Array>>)[Symbol.asyncIterator] !== "function"
  ) {
    throw invalidArgType(
      "source",
      "an async iterable of Uint8Array (a socket, a file stream, a ReadableStream)",
      source,
    );
  }
  const queue = new EventQueue();
  return events(source, new PacketParser(queue, options), queue);
}

async function* events(
  source: AsyncIterable<Uint8Array>,
  parser: PacketParser,
  queue: EventQueue,
): AsyncGenerator<ParserEvent, void, undefined> {
  for await (const chunk of source) {
    parser.push(chunk);
    yield* queue.take();
  }
  parser.end();
  yield* queue.take();
}
