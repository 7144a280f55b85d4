import type { Packet } from "../codec/packet.js";
import type { ParserHandler } from "../parser/packet-parser.js";

/** One thing the parser reported, as a value the stream adapters hand out. */
export type ParserEvent =
  | { readonly type: "packet"; readonly packet: Packet }
  | { readonly type: "body"; readonly chunk: Uint8Array }
  | { readonly type: "end" }
  | { readonly type: "trailing"; readonly chunk: Uint8Array };

const END: ParserEvent = Object.freeze({ type: "end" });

/** A parser handler that queues events for an adapter to pass on after each push. */
export class EventQueue implements ParserHandler {
  #events: ParserEvent[] = [];

  onPacket(packet: Packet): void {
    this.#events.push({ type: "packet", packet });
  }

  onBody(chunk: Uint8Array): void {
    this.#events.push({ type: "body", chunk });
  }

  onBodyEnd(): void {
    this.#events.push(END);
  }

  onTrailing(chunk: Uint8Array): void {
    this.#events.push({ type: "trailing", chunk });
  }

  /** The events queued since the last call, in order. */
  take(): ParserEvent[] {
    const out = this.#events;
    if (out.length > 0) this.#events = [];
    return out;
  }
}
