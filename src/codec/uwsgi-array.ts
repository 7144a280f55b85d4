import { checkIndex, checkInteger, invalidArgType } from "./arguments.js";
import { allocBytes, copyBytes, targetBytes } from "./bytes.js";
import { LENGTH_SIZE } from "./constants.js";
import { UwsgiError } from "./errors.js";
import {
  encodeSnapshot,
  encodeSnapshotInto,
  FieldSnapshot,
  fieldTypeError,
  type VarBytes,
} from "./fields.js";
import { INSPECT, type Inspect, inspectAs } from "./inspect.js";
import {
  blockArguments,
  type DecodeOptions,
  type EncodeOptions,
  encodeSettings,
  isOptions,
} from "./limits.js";
import { commitOffsets, reservedBase, reserveOffsets } from "./offset-pool.js";
import { decodeString, type TextEncoding } from "./text.js";

/**
 * A read-only view of a uwsgi array: `u16 LE length | bytes` items without keys (RPC calls, cache
 * sets). Zero-length items are kept as they are on the wire (uWSGI's RPC skips them).
 */
export class UwsgiArray implements Iterable<string> {
  readonly #buf: Uint8Array;
  readonly #start: number;
  readonly #end: number;
  // #count entries of the shared offset slab #table from #base (see offset-pool.ts).
  readonly #table: Uint16Array;
  readonly #base: number;
  readonly #count: number;
  readonly #encoding: TextEncoding;

  /** @internal Use {@link decodeArray} or `decodePacket`. */
  constructor(
    buf: Uint8Array,
    start: number,
    end: number,
    table: Uint16Array,
    base: number,
    count: number,
    encoding: TextEncoding,
  ) {
    this.#buf = buf;
    this.#start = start;
    this.#end = end;
    this.#table = table;
    this.#base = base;
    this.#count = count;
    this.#encoding = encoding;
  }

  /** Number of items. */
  get length(): number {
    return this.#count;
  }

  /** The whole payload, as a view of the source. */
  get raw(): Uint8Array {
    return this.#buf.subarray(this.#start, this.#end);
  }

  /** Item `i` as a string. An index outside `0..length-1` is ERR_OUT_OF_RANGE. */
  get(i: number): string {
    const p = this.#field(i);
    return decodeString(this.#buf, p + LENGTH_SIZE, p + LENGTH_SIZE + this.#len(p), this.#encoding);
  }

  /** Item `i` as a view of the source (no copy). */
  getBytes(i: number): Uint8Array {
    const p = this.#field(i);
    return this.#buf.subarray(p + LENGTH_SIZE, p + LENGTH_SIZE + this.#len(p));
  }

  /** Every item as a string. */
  toArray(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.#count; i++) out.push(this.get(i));
    return out;
  }

  *[Symbol.iterator](): IterableIterator<string> {
    for (let i = 0; i < this.#count; i++) yield this.get(i);
  }

  /** A view with the same items over its own copy of the payload. */
  detach(): UwsgiArray {
    const copy = allocBytes(this.#end - this.#start);
    copyBytes(this.#buf, this.#start, this.#end, copy, 0);
    const table = this.#table.slice(this.#base, this.#base + this.#count);
    return new UwsgiArray(copy, 0, copy.length, table, 0, this.#count, this.#encoding);
  }

  /** The items as strings, so `JSON.stringify` shows them. */
  toJSON(): string[] {
    return this.toArray();
  }

  /** @internal `console.log` and `util.inspect` show the items. */
  [INSPECT](depth: number, options: object, inspect: Inspect): string {
    return inspectAs("UwsgiArray", this.toArray(), depth, options, inspect);
  }

  #len(p: number): number {
    return this.#buf[p]! | (this.#buf[p + 1]! << 8);
  }

  #field(i: number): number {
    if (i >>> 0 !== i || i >= this.#count) checkIndex("index", i, this.#count);
    return this.#start + this.#table[this.#base + i]!;
  }
}

/**
 * Decodes the uwsgi array `buf[start, end)` in one validating pass. Throws `TRAILING_BYTES` for
 * a lone byte after the last item, `ITEM_OVERRUNS_DATASIZE` for an item running past the end and
 * `TOO_MANY_VARS` over `maxItems`. `options` may stand in place of `start` or `end`.
 */
export function decodeArray(
  buf: Uint8Array | ArrayBufferLike | ArrayBufferView,
  start?: number | DecodeOptions,
  end?: number | DecodeOptions,
  options?: DecodeOptions,
): UwsgiArray {
  const a = blockArguments("decodeArray", "array", buf, start, end, options);
  return walkArray(a.src, a.start, a.end, a.settings.maxItems, a.settings.encoding);
}

/** @internal The validating pass of {@link decodeArray}, on checked arguments. */
export function walkArray(
  src: Uint8Array,
  start: number,
  end: number,
  maxItems: number,
  encoding: TextEncoding,
): UwsgiArray {
  // An item takes at least 2 bytes, so the payload bounds the table.
  const table = reserveOffsets(Math.min(maxItems, (end - start) >>> 1) + 1);
  const base = reservedBase();
  let count = 0;
  let p = start;
  while (p < end) {
    if (end - p < LENGTH_SIZE) {
      throw new UwsgiError(
        "TRAILING_BYTES",
        p,
        "another item or the end of the array",
        "1 stray byte after the last item",
      );
    }
    const next = p + LENGTH_SIZE + (src[p]! | (src[p + 1]! << 8));
    if (next > end) {
      throw new UwsgiError(
        "ITEM_OVERRUNS_DATASIZE",
        p,
        `an item within the ${end - p - LENGTH_SIZE} bytes left`,
        `item length ${next - p - LENGTH_SIZE} runs ${next - end} bytes past the end of the array`,
      );
    }
    if (count === maxItems) {
      throw new UwsgiError(
        "TOO_MANY_VARS",
        p,
        `at most ${maxItems} items`,
        `item ${count + 1} is over maxItems ${maxItems}`,
      );
    }
    table[base + count++] = p - start;
    p = next;
  }
  commitOffsets(count);
  return new UwsgiArray(src, start, end, table, base, count, encoding);
}

/**
 * @internal Reads `items` once (each item exactly once) into a snapshot of checked, sized
 * fields; `name` is the argument's name in error messages, `base` the output offset.
 */
export function snapshotItems(
  items: unknown,
  name: string,
  encoding: TextEncoding,
  base: number,
): FieldSnapshot {
  if (typeof items !== "object" || items === null) {
    throw invalidArgType(name, "an iterable of strings or Uint8Arrays", items);
  }
  const snap = new FieldSnapshot(encoding, base, true);
  if (Array.isArray(items)) {
    for (let i = 0; i < items.length; i++) {
      const item: unknown = items[i];
      if (!snap.add(item)) throw fieldTypeError(`${name}[${i}]`, item);
    }
  } else if (typeof (items as Partial<Iterable<unknown>>)[Symbol.iterator] === "function") {
    let i = 0;
    for (const item of items as Iterable<unknown>) {
      if (!snap.add(item)) throw fieldTypeError(`${name}[${i}]`, item);
      i++;
    }
  } else {
    throw invalidArgType(name, "an iterable of strings or Uint8Arrays", items);
  }
  return snap;
}

/** Exact encoded size of `items` as a uwsgi array. */
export function arrayByteLength(items: Iterable<VarBytes>, options?: EncodeOptions): number {
  const encoding = encodeSettings(options, "arrayByteLength");
  return snapshotItems(items, "items", encoding, 0).validate();
}

/** Encodes `items` as a uwsgi array into new memory (one allocation; a Buffer under Node). */
export function encodeArray(items: Iterable<VarBytes>, options?: EncodeOptions): Uint8Array {
  const snap = snapshotItems(items, "items", encodeSettings(options, "encodeArray"), 0);
  return encodeSnapshot(snap, 0, "the array");
}

/**
 * Encodes `items` into `target` at `offset`; returns the bytes written, and writes nothing when
 * it refuses. `options` may stand in place of `offset`.
 */
export function encodeArrayInto(
  items: Iterable<VarBytes>,
  target: Uint8Array,
  offset?: number | EncodeOptions,
  options?: EncodeOptions,
): number {
  const buf = targetBytes("target", target);
  if (isOptions(offset) && options === undefined) {
    options = offset;
    offset = undefined;
  }
  const at = checkInteger("offset", offset ?? 0, 0, buf.length);
  const snap = snapshotItems(items, "items", encodeSettings(options, "encodeArrayInto"), at);
  return encodeSnapshotInto(snap, buf, at, 0, "the array");
}
