import { PacketParser, type ParserOptions } from "../parser/packet-parser.js";
import { EventQueue, type ParserEvent } from "./events.js";

/**
 * A WHATWG `TransformStream` from bytes to parser events, for runtimes that only have Web
 * Streams: `response.body.pipeThrough(new PacketDecoderStream())`. A malformed stream errors the
 * readable side with the `UwsgiError`.
 */
export class PacketDecoderStream extends TransformStream<Uint8Array, ParserEvent> {
  constructor(options?: ParserOptions) {
    const queue = new EventQueue();
    const parser = new PacketParser(queue, options);
    super({
      transform(chunk, controller) {
        parser.push(chunk);
        for (const event of queue.take()) controller.enqueue(event);
      },
      flush(controller) {
        parser.end();
        for (const event of queue.take()) controller.enqueue(event);
      },
    });
  }
}
