import { checkInteger } from "./arguments.js";
import { inputBytes } from "./bytes.js";
import { HEADER_SIZE } from "./constants.js";
import { truncated, UwsgiError } from "./errors.js";
import type { PacketHeader } from "./header.js";
import { INSPECT, type Inspect, inspectAs } from "./inspect.js";
import { type DecodeOptions, type DecodeSettings, decodeSettings, isOptions } from "./limits.js";
import { type PayloadKind, payloadKindOf } from "./modifiers.js";
import { type UwsgiArray, walkArray } from "./uwsgi-array.js";
import { walkVars } from "./vars-decode.js";
import type { VarsView } from "./vars-view.js";

export {
  encodePacket,
  encodePacketInto,
  type PacketInit,
  packetByteLength,
} from "./packet-encode.js";

/** Fields every decoded packet has. */
export interface PacketBase extends PacketHeader {
  /** Bytes the packet takes in the input: 4 + datasize (a request's body is not counted). */
  readonly byteLength: number;
  /** The data after the header, as a view of the input (no copy). */
  readonly payload: Uint8Array;
}

/** A packet whose data is a vars block (requests, spooler jobs, subscriptions...). */
export interface VarsPacket extends PacketBase {
  readonly kind: "vars";
  readonly vars: VarsView;
}

/** A packet whose data is a uwsgi array (RPC calls, cache sets). */
export interface ArrayPacket extends PacketBase {
  readonly kind: "array";
  readonly items: UwsgiArray;
}

/** A packet whose data is opaque bytes (or ignored, e.g. ping and signal). */
export interface RawPacket extends PacketBase {
  readonly kind: "raw";
}

/** A decoded packet; `kind` says which view its data has. */
export type Packet = VarsPacket | ArrayPacket | RawPacket;

/** What a uwsgi packet's bytes may come as: what `TextDecoder.decode` accepts. */
export type BytesInput = Uint8Array | ArrayBufferLike | ArrayBufferView;

/**
 * How many more bytes `buf` needs, from `offset`, before it holds a whole packet: 0 when it does.
 * While the header is incomplete this is what completes the header (the rest is not yet known).
 * Never throws on any bytes; only bad arguments are refused.
 */
export function bytesMissing(buf: BytesInput, offset = 0): number {
  const bytes = inputBytes("buf", buf);
  checkInteger("offset", offset, 0, bytes.length);
  const avail = bytes.length - offset;
  if (avail < HEADER_SIZE) return HEADER_SIZE - avail;
  const total = HEADER_SIZE + (bytes[offset + 1]! | (bytes[offset + 2]! << 8));
  return avail >= total ? 0 : total - avail;
}

/**
 * Decodes the packet at `offset` of `buf` (a Uint8Array, ArrayBuffer or any ArrayBufferView, read
 * as its bytes without a copy): the header, then its data as a vars view, a uwsgi array or raw
 * bytes, chosen by modifier1 (see `payloadKindOf`) unless `options.payload` says. Nothing is
 * copied: views point into `buf`. Bytes after the packet (a body, the next packet) are not read;
 * `byteLength` says where they start. `options` may stand in place of `offset`.
 *
 * Bad bytes throw a `UwsgiError`: `TRUNCATED` (with `needed`) when `buf` ends before the packet
 * does, `DATASIZE_OVER_LIMIT` over `maxDatasize`, and any error of `decodeVars`/`decodeArray`.
 * Bad arguments throw TypeError/RangeError with a Node `code`.
 */
export function decodePacket(buf: BytesInput, offset?: number, options?: DecodeOptions): Packet;
export function decodePacket(buf: BytesInput, options?: DecodeOptions): Packet;
export function decodePacket(
  buf: BytesInput,
  offset?: number | DecodeOptions,
  options?: DecodeOptions,
): Packet {
  const src = inputBytes("buf", buf);
  let at = 0;
  // The usual call: an offset inside the buffer, checked in one test; anything else takes the
  // full check (an out-of-line call that V8 does not inline cost ~5 ns of a 150 ns decode).
  if (typeof offset === "number") {
    at = offset >>> 0 === offset && offset <= src.length ? offset : offsetArgument(offset, src);
  } else if (isOptions(offset) && options === undefined) {
    options = offset;
  } else if (offset !== undefined) {
    at = offsetArgument(offset, src);
  }
  return decodeAt(src, at, decodeSettings(options, "decodePacket"));
}

function offsetArgument(offset: unknown, src: Uint8Array): number {
  return checkInteger("offset", offset, 0, src.length);
}

/** @internal decodePacket on checked arguments (the streaming parser checks them once). */
export function decodeAt(src: Uint8Array, offset: number, o: DecodeSettings): Packet {
  // Kept small (errors and the rarer kinds out of line) so that V8 inlines it, and the vars walk
  // into it, the same way in every caller.
  const avail = src.length - offset;
  if (avail < HEADER_SIZE) throw truncated(offset, HEADER_SIZE - avail, "4-byte packet header");
  const modifier1 = src[offset]!;
  const datasize = src[offset + 1]! | (src[offset + 2]! << 8);
  const modifier2 = src[offset + 3]!;
  if (datasize > o.maxDatasize) throw datasizeOverLimit(offset, datasize, o.maxDatasize);
  if (avail < HEADER_SIZE + datasize) throw truncatedPacket(offset, datasize, avail);
  const start = offset + HEADER_SIZE;
  // modifier1 0 (a WSGI request, what nginx sends) is by far the most common: no table look-up.
  const payload = o.payload;
  if (payload === "auto" ? modifier1 === 0 : payload === "vars") {
    const vars = walkVars(src, start, start + datasize, o.maxVars, o.allowEmptyKeys, o.encoding);
    return new DecodedVarsPacket(modifier1, datasize, modifier2, vars);
  }
  return decodeOther(src, start, modifier1, datasize, modifier2, o);
}

// A packet whose kind is not the vars of a request: its kind from the options or the registry.
function decodeOther(
  src: Uint8Array,
  start: number,
  modifier1: number,
  datasize: number,
  modifier2: number,
  o: DecodeSettings,
): Packet {
  const kind: PayloadKind = o.payload !== "auto" ? o.payload : payloadKindOf(modifier1, modifier2);
  if (kind === "vars") {
    const vars = walkVars(src, start, start + datasize, o.maxVars, o.allowEmptyKeys, o.encoding);
    return new DecodedVarsPacket(modifier1, datasize, modifier2, vars);
  }
  if (kind === "array") {
    const items = walkArray(src, start, start + datasize, o.maxItems, o.encoding);
    return new DecodedArrayPacket(modifier1, datasize, modifier2, items);
  }
  return new DecodedRawPacket(src, modifier1, datasize, modifier2, start);
}

function datasizeOverLimit(offset: number, datasize: number, max: number): UwsgiError {
  return new UwsgiError(
    "DATASIZE_OVER_LIMIT",
    offset + 1,
    `a datasize of at most ${max} (option maxDatasize)`,
    `datasize ${datasize} is over maxDatasize ${max} (uWSGI resets the connection past its --buffer-size)`,
  );
}

function truncatedPacket(offset: number, datasize: number, avail: number): UwsgiError {
  const byteLength = HEADER_SIZE + datasize;
  return truncated(offset, byteLength - avail, `${byteLength}-byte packet`);
}

/** What a decoded packet prints and serialises as: its header, then its data. */
interface PacketSummary {
  readonly kind: Packet["kind"];
  readonly modifier1: number;
  readonly modifier2: number;
  readonly datasize: number;
  readonly byteLength: number;
}

function summary(p: Packet): PacketSummary {
  const { kind, modifier1, modifier2, datasize, byteLength } = p;
  return { kind, modifier1, modifier2, datasize, byteLength };
}

const hex = (bytes: Uint8Array): string =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

// Classes rather than object literals: `payload` is a getter on the prototype, so a decode that
// never looks at the raw bytes never makes a view of them.
abstract class DecodedPacket {
  readonly modifier1: number;
  readonly datasize: number;
  readonly modifier2: number;
  constructor(modifier1: number, datasize: number, modifier2: number) {
    this.modifier1 = modifier1;
    this.datasize = datasize;
    this.modifier2 = modifier2;
  }
  get byteLength(): number {
    return HEADER_SIZE + this.datasize;
  }
}

// The vars packet is what nearly every decode returns: a flat class (no super call, fields set in
// the constructor) is the cheapest object V8 can build for it.
class DecodedVarsPacket implements VarsPacket {
  // `declare`: set in the constructor only; a class field would also be defined as undefined first.
  declare readonly modifier1: number;
  declare readonly datasize: number;
  declare readonly modifier2: number;
  declare readonly kind: "vars";
  declare readonly vars: VarsView;
  constructor(modifier1: number, datasize: number, modifier2: number, vars: VarsView) {
    this.modifier1 = modifier1;
    this.datasize = datasize;
    this.modifier2 = modifier2;
    this.kind = "vars";
    this.vars = vars;
  }
  get byteLength(): number {
    return HEADER_SIZE + this.datasize;
  }
  get payload(): Uint8Array {
    return this.vars.raw;
  }
  /** The header and the vars as `[key, value]` pairs (see `VarsView.toJSON`). */
  toJSON(): PacketSummary & { vars: [string, string][] } {
    return { ...summary(this), vars: this.vars.toJSON() };
  }
  /** @internal Node calls this for console.log and util.inspect. */
  [INSPECT](depth: number, options: object, inspect: Inspect): string {
    return inspectAs("Packet", { ...summary(this), vars: this.vars }, depth, options, inspect);
  }
}

class DecodedArrayPacket extends DecodedPacket implements ArrayPacket {
  readonly kind = "array" as const;
  readonly items: UwsgiArray;
  constructor(modifier1: number, datasize: number, modifier2: number, items: UwsgiArray) {
    super(modifier1, datasize, modifier2);
    this.items = items;
  }
  get payload(): Uint8Array {
    return this.items.raw;
  }
  /** The header and the items as strings. */
  toJSON(): PacketSummary & { items: string[] } {
    return { ...summary(this), items: this.items.toJSON() };
  }
  /** @internal Node calls this for console.log and util.inspect. */
  [INSPECT](depth: number, options: object, inspect: Inspect): string {
    return inspectAs("Packet", { ...summary(this), items: this.items }, depth, options, inspect);
  }
}

class DecodedRawPacket extends DecodedPacket implements RawPacket {
  readonly kind = "raw" as const;
  readonly #buf: Uint8Array;
  readonly #start: number;
  constructor(
    buf: Uint8Array,
    modifier1: number,
    datasize: number,
    modifier2: number,
    start: number,
  ) {
    super(modifier1, datasize, modifier2);
    this.#buf = buf;
    this.#start = start;
  }
  get payload(): Uint8Array {
    return this.#buf.subarray(this.#start, this.#start + this.datasize);
  }
  /** The header and the payload as a hex string. */
  toJSON(): PacketSummary & { payload: string } {
    return { ...summary(this), payload: hex(this.payload) };
  }
  /** @internal Node calls this for console.log and util.inspect. */
  [INSPECT](depth: number, options: object, inspect: Inspect): string {
    const shown = { ...summary(this), payload: this.payload };
    return inspectAs("Packet", shown, depth, options, inspect);
  }
}
