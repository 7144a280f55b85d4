import { UwsgiError } from "../codec/errors.js";
import { readHeader } from "../codec/header.js";
import { bytesMissing, decodePacket } from "../codec/packet.js";
import type { CaptureDecoder } from "./capture-decoder.js";
import type { CaptureReader } from "./capture-reader.js";
import { CAPTURE_DECODE_OPTIONS, Conversation } from "./conversation.js";
import { CaptureError } from "./errors.js";
import { HexTextDecoder } from "./hex-text.js";
import type { DecodeSession } from "./session.js";
import { plausibleHeader } from "./uwsgi-heuristic.js";

/** Where sniffed input goes: the capture reader, or the raw uwsgi stream. */
export interface Pipeline {
  /** The next chunk of input (a view, valid during the call). */
  push(chunk: Buffer): void;
  /** The input ended: reports what is open; throws a `CaptureError` for a cut file. */
  end(): void;
  /** The input failed: reports what is open, nothing thrown. */
  abort(): void;
}

/** A pcap or pcapng file: records to frames to TCP to exchanges. */
export class CapturePipeline implements Pipeline {
  readonly #reader: CaptureReader;
  readonly #decoder: CaptureDecoder;
  constructor(reader: CaptureReader, decoder: CaptureDecoder) {
    this.#reader = reader;
    this.#decoder = decoder;
  }
  push(chunk: Buffer): void {
    this.#reader.push(chunk);
  }
  end(): void {
    try {
      this.#reader.end();
    } finally {
      this.#decoder.finish();
    }
  }
  abort(): void {
    this.#decoder.finish();
  }
}

const SNIFF_BYTES = 4;

/**
 * Raw uwsgi bytes: one client stream, no answer, no times. When the format was sniffed (not
 * forced), the first packet is held until whole and must decode, or the input is refused as
 * `NOT_A_CAPTURE`: a text file or an image is not mistaken for a damaged request.
 */
export class RawPipeline implements Pipeline {
  readonly #conversation: Conversation;
  // The first packet while it is checked: grown by doubling, so a trickle costs a copy per byte.
  #head: Buffer | null;
  #headLength = 0;
  constructor(session: DecodeSession, sniffed: boolean) {
    this.#conversation = new Conversation(session, null, null, {
      search: false,
      searchReason: "",
      searchAfterRequest: false,
    });
    this.#head = sniffed ? Buffer.allocUnsafe(64) : null;
  }
  push(chunk: Buffer): void {
    let head = this.#head;
    if (head === null) {
      this.#conversation.request(chunk);
      return;
    }
    const have = this.#headLength + chunk.length;
    if (have > head.length) {
      const grown = Buffer.allocUnsafe(Math.max(have, 2 * head.length));
      head.copy(grown, 0, 0, this.#headLength);
      head = grown;
      this.#head = head;
    }
    head.set(chunk, this.#headLength);
    this.#headLength = have;
    const bytes = head.subarray(0, have);
    const need = have < SNIFF_BYTES ? SNIFF_BYTES : have + bytesMissing(bytes);
    if (have < need) {
      if (have >= SNIFF_BYTES) checkRawPacket(bytes, false);
      return;
    }
    this.#head = null;
    checkRawPacket(bytes, true);
    this.#conversation.request(bytes);
  }
  end(): void {
    if (this.#head !== null) checkRawPacket(this.#head.subarray(0, this.#headLength), true);
    this.#conversation.finish(true);
  }
  abort(): void {
    this.#conversation.finish(false);
  }
}

/** A hex dump of raw uwsgi bytes. */
export class HexPipeline implements Pipeline {
  readonly #hex: HexTextDecoder;
  readonly #raw: RawPipeline;
  constructor(raw: RawPipeline) {
    this.#raw = raw;
    this.#hex = new HexTextDecoder(raw);
  }
  push(chunk: Buffer): void {
    this.#hex.push(chunk);
  }
  end(): void {
    this.#hex.end();
    this.#raw.end();
  }
  abort(): void {
    this.#raw.abort();
  }
}

/** Refuses input that does not start with a plausible uwsgi packet (`whole`: all of it there). */
export function checkRawPacket(head: Buffer, whole: boolean): void {
  let problem = "";
  if (head.length < SNIFF_BYTES) {
    problem = head.length === 0 ? "the input is empty" : `the input is only ${head.length} byte(s)`;
  } else if (!plausibleHeader(readHeader(head))) {
    problem = `the input starts with ${head.toString("hex", 0, Math.min(head.length, 8))}, which is no capture format and no plausible uwsgi header`;
  } else if (whole) {
    try {
      decodePacket(head, 0, CAPTURE_DECODE_OPTIONS);
    } catch (err) {
      // Not control flow: the codec's reason goes into the refusal.
      if (!(err instanceof UwsgiError)) throw err;
      problem = `the input is no capture file and its first packet does not decode (${err.code} at byte ${err.offset}: ${err.detail})`;
    }
  }
  if (problem !== "") {
    throw new CaptureError(
      "NOT_A_CAPTURE",
      0,
      "a pcap or pcapng file, hex text, or uwsgi bytes starting with a request",
      problem,
    );
  }
}
