import { allocBytes } from "./bytes.js";
import { HEADER_SIZE } from "./constants.js";
import { truncated, UwsgiError } from "./errors.js";
import { checkDatasize, checkRoom, type VarBytes } from "./fields.js";
import { checkByte, type PacketHeader } from "./header.js";
import {
  checkDecodeOptions,
  checkOffset,
  DEFAULT_DECODE_OPTIONS,
  type DecodeOptions,
  type EncodeOptions,
  encodingOf,
  maxDatasizeOf,
} from "./limits.js";
import { type PayloadKind, payloadKindOf } from "./modifiers.js";
import { asBytes } from "./text.js";
import { decodeArray, itemsLength, type UwsgiArray, writeItems } from "./uwsgi-array.js";
import {
  sourceByteLength,
  type VarsInput,
  type VarsSource,
  varsSource,
  writeSource,
} from "./vars-encode.js";
import { type VarsView, walkVars } from "./vars-view.js";

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

/**
 * What to encode: the modifiers (default 0) and at most one of `vars`, `items` or `payload`
 * (none means an empty packet, e.g. a ping).
 */
export interface PacketInit {
  readonly modifier1?: number;
  readonly modifier2?: number;
  readonly vars?: VarsInput;
  readonly items?: Iterable<VarBytes>;
  readonly payload?: Uint8Array;
}

/**
 * How many more bytes `buf` needs, from `offset`, before it holds a whole packet: 0 when it does.
 * While the header is incomplete this is what completes the header (the rest is not yet known).
 * Never throws on any bytes; only a bad `offset` is refused.
 */
export function bytesMissing(buf: Uint8Array, offset = 0): number {
  checkOffset(offset, buf.length);
  const avail = buf.length - offset;
  if (avail < HEADER_SIZE) return HEADER_SIZE - avail;
  const total = HEADER_SIZE + (buf[offset + 1]! | (buf[offset + 2]! << 8));
  return avail >= total ? 0 : total - avail;
}

/**
 * Decodes the packet at `offset` of `buf`: the header, then its data as a vars view, a uwsgi
 * array or raw bytes, chosen by modifier1 (see `payloadKindOf`) unless `options.payload` says.
 * Nothing is copied: views point into `buf`. Bytes after the packet (a body, the next packet)
 * are not read; `byteLength` says where they start.
 *
 * Throws only `UwsgiError`: `TRUNCATED` (with `needed`) when `buf` ends before the packet does,
 * `DATASIZE_OVER_LIMIT` over `maxDatasize`, and any error of `decodeVars`/`decodeArray`.
 */
export function decodePacket(buf: Uint8Array, offset = 0, options?: DecodeOptions): Packet {
  const src = asBytes(buf);
  checkOffset(offset, src.length);
  checkDecodeOptions(options);
  const maxDatasize = maxDatasizeOf(options);
  const avail = src.length - offset;
  if (avail < HEADER_SIZE) throw truncated(offset, HEADER_SIZE - avail, "4-byte packet header");
  const modifier1 = src[offset]!;
  const datasize = src[offset + 1]! | (src[offset + 2]! << 8);
  const modifier2 = src[offset + 3]!;
  if (datasize > maxDatasize) {
    throw new UwsgiError(
      "DATASIZE_OVER_LIMIT",
      offset + 1,
      `a datasize of at most ${maxDatasize} (option maxDatasize)`,
      `datasize ${datasize} is over the limit (uWSGI resets the connection past its --buffer-size)`,
    );
  }
  const byteLength = HEADER_SIZE + datasize;
  if (avail < byteLength) throw truncated(offset, byteLength - avail, `${byteLength}-byte packet`);
  const start = offset + HEADER_SIZE;
  const end = start + datasize;
  const requested = options?.payload ?? "auto";
  // modifier1 0 (a WSGI request, what nginx sends) is by far the most common: no table look-up.
  const kind: PayloadKind =
    requested !== "auto"
      ? requested
      : modifier1 === 0
        ? "vars"
        : payloadKindOf(modifier1, modifier2);
  if (kind === "vars") {
    // Options and bounds are checked above: walk without checking them again.
    const maxVars = options?.maxVars ?? DEFAULT_DECODE_OPTIONS.maxVars;
    const vars = walkVars(
      src,
      start,
      end,
      maxVars,
      options?.allowEmptyKeys ?? false,
      encodingOf(options),
    );
    return new DecodedVarsPacket(modifier1, datasize, modifier2, vars);
  }
  if (kind === "array") {
    const items = decodeArray(src, start, end, options);
    return new DecodedArrayPacket(modifier1, datasize, modifier2, items);
  }
  return new DecodedRawPacket(src, modifier1, datasize, modifier2, start);
}

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
  readonly modifier1: number;
  readonly datasize: number;
  readonly modifier2: number;
  readonly kind: "vars";
  readonly vars: VarsView;
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
}

/** An encode plan: the payload in a form that can be sized, then written. */
type Plan =
  | { readonly kind: "vars"; readonly src: VarsSource }
  | { readonly kind: "items"; readonly items: readonly VarBytes[] }
  | { readonly kind: "payload"; readonly bytes: Uint8Array };

function planOf(init: PacketInit): Plan {
  const given =
    (init.vars !== undefined ? 1 : 0) +
    (init.items !== undefined ? 1 : 0) +
    (init.payload !== undefined ? 1 : 0);
  if (given > 1) {
    throw new UwsgiError(
      "INVALID_ARGUMENT",
      0,
      "one of vars, items or payload",
      "a packet has one kind of data",
    );
  }
  if (init.vars !== undefined) return { kind: "vars", src: varsSource(init.vars) };
  if (init.items !== undefined) {
    return {
      kind: "items",
      items: Array.isArray(init.items) ? init.items : Array.from(init.items),
    };
  }
  if (init.payload !== undefined && !(init.payload instanceof Uint8Array)) {
    throw new UwsgiError(
      "INVALID_ARGUMENT",
      HEADER_SIZE,
      "a Uint8Array payload",
      "payload is not bytes",
    );
  }
  return { kind: "payload", bytes: init.payload ?? EMPTY };
}

const EMPTY = new Uint8Array(0);

function planDatasize(plan: Plan, encoding: "latin1" | "utf8", offset = 0): number {
  let size: number;
  if (plan.kind === "vars") size = sourceByteLength(plan.src, encoding, offset + HEADER_SIZE);
  else if (plan.kind === "items") size = itemsLength(plan.items, encoding, offset + HEADER_SIZE);
  else size = plan.bytes.length;
  checkDatasize(size, offset + HEADER_SIZE, "the packet's data");
  return size;
}

function writePlan(
  buf: Uint8Array,
  offset: number,
  init: PacketInit,
  plan: Plan,
  datasize: number,
  encoding: "latin1" | "utf8",
): void {
  buf[offset] = init.modifier1 ?? 0;
  buf[offset + 1] = datasize & 0xff;
  buf[offset + 2] = datasize >>> 8;
  buf[offset + 3] = init.modifier2 ?? 0;
  const p = offset + HEADER_SIZE;
  if (plan.kind === "vars") writeSource(buf, p, plan.src, encoding);
  else if (plan.kind === "items") writeItems(buf, p, plan.items, encoding);
  else buf.set(plan.bytes, p);
}

function checkModifiers(init: PacketInit): void {
  checkByte("modifier1", init.modifier1 ?? 0, 0);
  checkByte("modifier2", init.modifier2 ?? 0, 3);
}

/** Exact size in bytes of the packet {@link encodePacket} would make (header included). */
export function packetByteLength(init: PacketInit, options?: EncodeOptions): number {
  checkModifiers(init);
  return HEADER_SIZE + planDatasize(planOf(init), encodingOf(options));
}

/**
 * Encodes a packet (header and data) into new memory (a Buffer under Node): sized once, allocated once, written once.
 * Refuses, before writing anything, data over 65535 bytes (`PACKET_TOO_LARGE`), a field over
 * 65535 bytes (`FIELD_TOO_LONG`), a string the encoding cannot hold (`UNENCODABLE_STRING`) and
 * modifiers that are not bytes (`FIELD_OUT_OF_RANGE`). A request's body is not part of the packet:
 * send it after.
 */
export function encodePacket(init: PacketInit, options?: EncodeOptions): Uint8Array {
  checkModifiers(init);
  const encoding = encodingOf(options);
  const plan = planOf(init);
  const datasize = planDatasize(plan, encoding);
  const buf = allocBytes(HEADER_SIZE + datasize);
  writePlan(buf, 0, init, plan, datasize, encoding);
  return buf;
}

/** Encodes a packet into `target` at `offset`; returns the bytes written. Nothing is written on error. */
export function encodePacketInto(
  init: PacketInit,
  target: Uint8Array,
  offset = 0,
  options?: EncodeOptions,
): number {
  checkModifiers(init);
  const encoding = encodingOf(options);
  const plan = planOf(init);
  const datasize = planDatasize(plan, encoding, offset);
  checkRoom(target, offset, HEADER_SIZE + datasize);
  writePlan(target, offset, init, plan, datasize, encoding);
  return HEADER_SIZE + datasize;
}
