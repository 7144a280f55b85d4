import { LENGTH_SIZE } from "./constants.js";
import { UwsgiError } from "./errors.js";
import { checkDatasize, checkRoom, fieldLength, type VarBytes, writeField } from "./fields.js";
import {
  checkBlockBounds,
  checkDecodeOptions,
  checkLimit,
  DEFAULT_DECODE_OPTIONS,
  type DecodeOptions,
  type EncodeOptions,
  encodingOf,
} from "./limits.js";
import { commitOffsets, reservedBase, reserveOffsets } from "./offset-pool.js";
import { asBuffer, decodeString, type TextEncoding } from "./text.js";

/**
 * A read-only view of a uwsgi array: `u16 LE length | bytes` items without keys (RPC calls, cache
 * sets). Zero-length items are kept as they are on the wire (uWSGI's RPC skips them).
 */
export class UwsgiArray implements Iterable<string> {
  readonly #buf: Buffer;
  readonly #start: number;
  readonly #end: number;
  readonly #offsets: Uint16Array;
  readonly #encoding: TextEncoding;

  /** @internal Use {@link decodeArray} or `decodePacket`. */
  constructor(
    buf: Buffer,
    start: number,
    end: number,
    offsets: Uint16Array,
    encoding: TextEncoding,
  ) {
    this.#buf = buf;
    this.#start = start;
    this.#end = end;
    this.#offsets = offsets;
    this.#encoding = encoding;
  }

  /** Number of items. */
  get length(): number {
    return this.#offsets.length;
  }

  /** The whole payload, as a view of the source. */
  get raw(): Buffer {
    return this.#buf.subarray(this.#start, this.#end);
  }

  /** Item `i` as a string. */
  get(i: number): string {
    const p = this.#field(i);
    return decodeString(this.#buf, p + LENGTH_SIZE, p + LENGTH_SIZE + this.#len(p), this.#encoding);
  }

  /** Item `i` as a view of the source (no copy). */
  getBytes(i: number): Buffer {
    const p = this.#field(i);
    return this.#buf.subarray(p + LENGTH_SIZE, p + LENGTH_SIZE + this.#len(p));
  }

  /** Every item as a string. */
  toArray(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.#offsets.length; i++) out.push(this.get(i));
    return out;
  }

  *[Symbol.iterator](): IterableIterator<string> {
    for (let i = 0; i < this.#offsets.length; i++) yield this.get(i);
  }

  /** A view with the same items over its own copy of the payload. */
  detach(): UwsgiArray {
    const copy = Buffer.allocUnsafe(this.#end - this.#start);
    this.#buf.copy(copy, 0, this.#start, this.#end);
    return new UwsgiArray(copy, 0, copy.length, this.#offsets.slice(), this.#encoding);
  }

  #len(p: number): number {
    return this.#buf[p]! | (this.#buf[p + 1]! << 8);
  }

  #field(i: number): number {
    const rel = this.#offsets[i];
    if (rel === undefined || !Number.isInteger(i)) {
      throw new UwsgiError(
        "INVALID_ARGUMENT",
        0,
        `an index 0-${this.length - 1}`,
        `no item at index ${i}`,
      );
    }
    return this.#start + rel;
  }
}

/**
 * Decodes the uwsgi array `buf[start, end)` in one validating pass. Throws `TRAILING_BYTES` for
 * a lone byte after the last item, `ITEM_OVERRUNS_DATASIZE` for an item running past the end and
 * `TOO_MANY_VARS` over `maxItems`.
 */
export function decodeArray(
  buf: Uint8Array,
  start = 0,
  end?: number,
  options?: DecodeOptions,
): UwsgiArray {
  const src = asBuffer(buf);
  end ??= src.length;
  checkBlockBounds(src, start, end, "array");
  checkDecodeOptions(options);
  const maxItems =
    options?.maxItems === undefined
      ? DEFAULT_DECODE_OPTIONS.maxItems
      : checkLimit("maxItems", options.maxItems, Number.MAX_SAFE_INTEGER);
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
        `item ${count + 1} is over the limit of ${maxItems}`,
      );
    }
    table[base + count++] = p - start;
    p = next;
  }
  return new UwsgiArray(src, start, end, commitOffsets(table, count), encodingOf(options));
}

/** Exact encoded size of `items` as a uwsgi array. */
export function arrayByteLength(items: Iterable<VarBytes>, options?: EncodeOptions): number {
  return itemsLength(Array.isArray(items) ? items : Array.from(items), encodingOf(options));
}

/** @internal Size of an array already in memory. */
export function itemsLength(items: readonly VarBytes[], encoding: TextEncoding, base = 0): number {
  let n = 0;
  for (const item of items) n += LENGTH_SIZE + fieldLength(item, encoding, base + n, "array item");
  return n;
}

/** @internal Writes items sized by itemsLength; returns the end offset. */
export function writeItems(
  buf: Buffer,
  p: number,
  items: readonly VarBytes[],
  encoding: TextEncoding,
): number {
  for (const item of items) p = writeField(buf, p, item, encoding);
  return p;
}

/** Encodes `items` as a uwsgi array into a new Buffer (one allocation). */
export function encodeArray(items: Iterable<VarBytes>, options?: EncodeOptions): Buffer {
  const list = Array.isArray(items) ? items : Array.from(items);
  const encoding = encodingOf(options);
  const size = itemsLength(list, encoding);
  checkDatasize(size, 0, "the array");
  const buf = Buffer.allocUnsafe(size);
  writeItems(buf, 0, list, encoding);
  return buf;
}

/** Encodes `items` into `target` at `offset`; returns the bytes written. */
export function encodeArrayInto(
  items: Iterable<VarBytes>,
  target: Uint8Array,
  offset = 0,
  options?: EncodeOptions,
): number {
  const list = Array.isArray(items) ? items : Array.from(items);
  const encoding = encodingOf(options);
  const size = itemsLength(list, encoding, offset);
  checkDatasize(size, offset, "the array");
  checkRoom(target, offset, size);
  writeItems(asBuffer(target), offset, list, encoding);
  return size;
}
