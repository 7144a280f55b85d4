import { checkBoolean, checkIndex, checkInteger, invalidArgType } from "./arguments.js";
import { allocBytes, copyBytes, latin1Slice, utf8ByteLength } from "./bytes.js";
import { LENGTH_SIZE } from "./constants.js";
import { contentLengthIn } from "./content-length.js";
import { INSPECT, type Inspect, inspectPairs } from "./inspect.js";
import { knownKey } from "./known-keys.js";
import { blockArguments, type DecodeOptions } from "./limits.js";
import { commitOffsets, reservedBase, reserveOffsets } from "./offset-pool.js";
import { bytesEqualKey, decodeString, isAsciiBytes, keyNeedle, type TextEncoding } from "./text.js";
import {
  emptyKey,
  lengthOverrun,
  tooManyVars,
  trailingBytes,
  valueOverrun,
} from "./vars-errors.js";

/**
 * Largest block whose text is made at once and kept by the view (uWSGI's default buffer size): a
 * key or value string you keep may keep alive the text of its whole block, never more than this.
 * Bigger blocks make each string on its own.
 */
export const TEXT_MAX = 4096;

// Up to this many bytes, a JS scan for non-ASCII bytes then a substring beats the native UTF-8
// decoder's fixed cost (Node 20.20).
const ASCII_SCAN_MAX = 64;

/**
 * A read-only view of a decoded vars block. It holds the source buffer and a table of where each
 * var starts; strings are made only when asked for, and `getBytes` hands out views that share
 * the source's memory (modifying the source changes them). Call {@link VarsView.detach} to keep
 * the vars after the source buffer is reused.
 *
 * Look-ups return the LAST var with the key, as uWSGI's environ does; `getAll` returns every one.
 */
export class VarsView implements Iterable<[string, string]> {
  // Properties set once in the constructor rather than #private fields: V8 defines a #field as
  // undefined before the constructor sets it, so a number in it loses its small-integer form and
  // every read pays for a check (nginx-get's decode + all strings ran ~15% slower with #fields,
  // Node 20.20). TypeScript keeps them private; the published types leave them out.
  /** @internal */ declare private readonly _buf: Uint8Array;
  /** @internal */ declare private readonly _start: number;
  /** @internal */ declare private readonly _end: number;
  // Where each var's key-length field and value-length field are, relative to _start (a block is
  // at most 65535 bytes), key then value, then the block's length: 2 * _count + 1 entries of _table
  // from _base (a slice of the shared offset slab; no view is made). A key ends where its value's
  // field starts and a value where the next entry says, so a string is cut with no byte read.
  /** @internal */ declare private readonly _table: Uint16Array;
  /** @internal */ declare private readonly _base: number;
  /** @internal */ declare private readonly _count: number;
  /** @internal */ declare private readonly _encoding: TextEncoding;
  // Where the last CONTENT_LENGTH var's value-length field is, relative to _start, noted during
  // the decoding walk (-1: none): contentLength reads it with no look-up.
  /** @internal */ declare private readonly _contentLengthField: number;
  // The whole block as latin1 text, made on the first string asked for (small blocks only): each
  // key or value is then a substring, which V8 makes far cheaper than a native decode per field.
  /** @internal */ declare private _text: string | undefined;
  // The same text once every field may be cut from it (latin1, or a block that is all ASCII under
  // utf8), else undefined: the one test on the fast path.
  /** @internal */ declare private _cut: string | undefined;

  /** @internal Use {@link decodeVars} or `decodePacket`. */
  constructor(
    buf: Uint8Array,
    start: number,
    end: number,
    table: Uint16Array,
    base: number,
    count: number,
    encoding: TextEncoding,
    contentLengthField: number,
  ) {
    this._buf = buf;
    this._start = start;
    this._end = end;
    this._table = table;
    this._base = base;
    this._count = count;
    this._encoding = encoding;
    this._contentLengthField = contentLengthField;
    this._text = undefined;
    this._cut = undefined;
  }

  /** Number of vars, duplicates included. */
  get size(): number {
    return this._count;
  }

  /** Length of the vars block in bytes. */
  get byteLength(): number {
    return this._end - this._start;
  }

  /** The whole vars block, as a view of the source. */
  get raw(): Uint8Array {
    return this._buf.subarray(this._start, this._end);
  }

  /** The encoding strings are made with. */
  get encoding(): TextEncoding {
    return this._encoding;
  }

  /** Index of the last var whose key bytes equal `key`, or -1. */
  indexOf(key: string): number {
    if (typeof key !== "string") throw invalidArgType("key", "of type string", key);
    const buf = this._buf;
    const table = this._table;
    const base = this._base;
    const needle = keyNeedle(key, this._encoding);
    if (needle === null) return -1;
    for (let i = this._count - 1; i >= 0; i--) {
      const p = this._start + table[base + 2 * i]!;
      const len = buf[p]! | (buf[p + 1]! << 8);
      if (bytesEqualKey(buf, p + LENGTH_SIZE, len, key, needle)) return i;
    }
    return -1;
  }

  /** True when a var has this key. */
  has(key: string): boolean {
    return this.indexOf(key) >= 0;
  }

  /** The value of the last var with this key, as a string, or undefined. */
  get(key: string): string | undefined {
    const i = this.indexOf(key);
    return i < 0 ? undefined : this._value(i);
  }

  /** The value of the last var with this key as a view of the source (no copy), or undefined. */
  getBytes(key: string): Uint8Array | undefined {
    const i = this.indexOf(key);
    return i < 0 ? undefined : this.valueBytesAt(i);
  }

  /**
   * The body length the last CONTENT_LENGTH var announces, read in place (no string, no view),
   * as uWSGI reads it: leading digits, so "" or no var at all mean 0. `strict` refuses anything
   * but plain digits (`INVALID_CONTENT_LENGTH`); a value too large to be exact is `BODY_TOO_LARGE`.
   * Errors carry `errorOffset` when given (a stream parser passes the packet's stream offset),
   * else the value's offset in the source buffer.
   */
  contentLength(strict = false, errorOffset?: number): number {
    if (strict !== false) checkBoolean("strict", strict);
    if (errorOffset !== undefined)
      checkInteger("errorOffset", errorOffset, 0, Number.MAX_SAFE_INTEGER);
    const rel = this._contentLengthField;
    if (rel < 0) return 0;
    const buf = this._buf;
    const p = this._start + rel;
    const from = p + LENGTH_SIZE;
    const to = from + (buf[p]! | (buf[p + 1]! << 8));
    // nginx sends CONTENT_LENGTH empty for a request without a body.
    return from === to ? 0 : contentLengthIn(buf, from, to, strict, errorOffset ?? p);
  }

  /**
   * @internal True when a CONTENT_LENGTH var is there (an empty one too): noted by the decoding
   * walk, so a request's body rule asks it with no look-up.
   */
  get hasContentLength(): boolean {
    return this._contentLengthField >= 0;
  }

  /** Every value with this key, in wire order (nginx 1.22 repeats a repeated header). */
  getAll(key: string): string[] {
    if (typeof key !== "string") throw invalidArgType("key", "of type string", key);
    const out: string[] = [];
    const buf = this._buf;
    const needle = keyNeedle(key, this._encoding);
    if (needle === null) return out;
    for (let i = 0; i < this._count; i++) {
      const p = this._start + this._table[this._base + 2 * i]!;
      const len = buf[p]! | (buf[p + 1]! << 8);
      if (bytesEqualKey(buf, p + LENGTH_SIZE, len, key, needle)) out.push(this._value(i));
    }
    return out;
  }

  // keyAt and valueAt do their fast path themselves, without a helper: V8 often optimises them on
  // their own before their caller (they are called once per string), and a caller then inlines
  // them only if that code inlined little (nginx-get's all strings ran 941 ns against 478 ns when
  // they had inlined their helpers first, Node 20.20). The cold path is a call.

  /** Key of var `i` (wire order) as a string. */
  keyAt(i: number): string {
    if (i >>> 0 !== i || i >= this._count) checkIndex("index", i, this._count);
    const at = this._base + 2 * i;
    const cut = this._cut;
    if (cut !== undefined) return cut.substring(this._table[at]! + 2, this._table[at + 1]!);
    return this._slowString(this._start + this._table[at]!);
  }

  /** Value of var `i` (wire order) as a string. */
  valueAt(i: number): string {
    if (i >>> 0 !== i || i >= this._count) checkIndex("index", i, this._count);
    const at = this._base + 2 * i + 1;
    const cut = this._cut;
    if (cut !== undefined) return cut.substring(this._table[at]! + 2, this._table[at + 1]!);
    return this._slowString(this._start + this._table[at]!);
  }

  // Key and value of var `i`, `i` known to be in range. The fast path cuts the block's text between
  // two entries of the table; 2 is a length field's size (a literal: an imported constant is read
  // through a cell and checked on every use).
  private _key(i: number): string {
    const at = this._base + 2 * i;
    const table = this._table;
    const cut = this._cut;
    if (cut !== undefined) return cut.substring(table[at]! + 2, table[at + 1]!);
    return this._slowString(this._start + table[at]!);
  }

  private _value(i: number): string {
    const at = this._base + 2 * i + 1;
    const table = this._table;
    const cut = this._cut;
    if (cut !== undefined) return cut.substring(table[at]! + 2, table[at + 1]!);
    return this._slowString(this._start + table[at]!);
  }

  // True when every key and value of the block whose text is `text` is ASCII, though some length
  // bytes are not: each char over 0x7f takes one more UTF-8 byte, so the text's UTF-8 size is its
  // length plus its high chars, and only the length bytes (4 a var) may be high. One native sizing
  // and a look at the length fields, instead of a scan of every byte (1.5 us on browser-get).
  private _allAscii(text: string): boolean {
    const buf = this._buf;
    let high = 0;
    for (let i = 0; i < this._count; i++) {
      const p = this._start + this._table[this._base + 2 * i]!;
      const v = this._start + this._table[this._base + 2 * i + 1]!;
      high += (buf[p]! >>> 7) + (buf[p + 1]! >>> 7) + (buf[v]! >>> 7) + (buf[v + 1]! >>> 7);
    }
    return utf8ByteLength(text) - text.length === high;
  }

  // The first string of a view, and every string of a big block or of a utf8 block that is not
  // all ASCII.
  private _slowString(p: number): string {
    const buf = this._buf;
    const start = this._start;
    const end = this._end;
    const from = p + LENGTH_SIZE;
    const to = from + (buf[p]! | (buf[p + 1]! << 8));
    if (this._text === undefined && end - start <= TEXT_MAX) {
      const text = latin1Slice(buf, start, end);
      this._text = text;
      if (this._encoding === "latin1" || this._allAscii(text)) this._cut = text;
    }
    // Under utf8, ASCII bytes read the same as latin1; anything else goes through the decoder, and
    // so does a long field (the native decoder's own ASCII path beats a JS scan on long input: a
    // 58 KiB value took 4x as long scanned first).
    if (this._encoding === "utf8" && (to - from > ASCII_SCAN_MAX || !isAsciiBytes(buf, from, to))) {
      return decodeString(buf, from, to, "utf8");
    }
    const text = this._text;
    return text === undefined
      ? latin1Slice(buf, from, to)
      : text.substring(from - start, to - start);
  }

  /** Key of var `i` as a view of the source. */
  keyBytesAt(i: number): Uint8Array {
    const p = this._keyField(i);
    return this._buf.subarray(
      p + LENGTH_SIZE,
      p + LENGTH_SIZE + (this._buf[p]! | (this._buf[p + 1]! << 8)),
    );
  }

  /** Value of var `i` as a view of the source. */
  valueBytesAt(i: number): Uint8Array {
    const p = this._valueField(i);
    return this._buf.subarray(
      p + LENGTH_SIZE,
      p + LENGTH_SIZE + (this._buf[p]! | (this._buf[p + 1]! << 8)),
    );
  }

  /** `[key, value]` strings in wire order, duplicates included. */
  *entries(): IterableIterator<[string, string]> {
    for (let i = 0; i < this._count; i++) yield [this._key(i), this._value(i)];
  }

  /** Keys in wire order, duplicates included. */
  *keys(): IterableIterator<string> {
    for (let i = 0; i < this._count; i++) yield this._key(i);
  }

  /** Values in wire order, duplicates included. */
  *values(): IterableIterator<string> {
    for (let i = 0; i < this._count; i++) yield this._value(i);
  }

  /**
   * Calls `callback(value, key, view)` for each var in wire order, duplicates included, as
   * `Map.prototype.forEach` does.
   */
  forEach(callback: (value: string, key: string, view: VarsView) => void, thisArg?: unknown): void {
    if (typeof callback !== "function")
      throw invalidArgType("callback", "of type function", callback);
    for (let i = 0; i < this._count; i++) {
      callback.call(thisArg, this._value(i), this._key(i), this);
    }
  }

  /** `[key, value]` views of the source in wire order, duplicates included. */
  *entriesBytes(): IterableIterator<[Uint8Array, Uint8Array]> {
    for (let i = 0; i < this._count; i++) yield [this.keyBytesAt(i), this.valueBytesAt(i)];
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  /**
   * A plain object of the vars (null prototype, so a key like `__proto__` is just a key).
   * The last duplicate wins, as in uWSGI's environ.
   */
  toObject(): Record<string, string> {
    // Object.create(null) starts in dictionary mode; an empty literal given a null prototype
    // before its first key stays a fast object, filled about twice as fast (Node 20.20).
    const out: Record<string, string> = {};
    Object.setPrototypeOf(out, null);
    const buf = this._buf;
    for (let i = 0; i < this._count; i++) {
      // A property name must be an internalized string: V8 looks a new one up in its string table
      // (about 80 ns a key, Node 20.20). The CGI names every request repeats are matched by bytes
      // and given as the interned constants instead (nginx-get's toObject: 2.0 -> 1.0 us).
      const p = this._start + this._table[this._base + 2 * i]!;
      const known = knownKey(buf, p + LENGTH_SIZE, buf[p]! | (buf[p + 1]! << 8));
      out[known ?? this._key(i)] = this._value(i);
    }
    return out;
  }

  /**
   * The vars as `[key, value]` strings in wire order, so `JSON.stringify` shows them. An array of
   * pairs, not an object: an object would lose duplicate keys (nginx repeats a repeated header).
   * `Object.fromEntries(view.toJSON())` gives the last-wins object; under utf8, invalid UTF-8 is
   * `INVALID_UTF8` as with `get`.
   */
  toJSON(): [string, string][] {
    return [...this.entries()];
  }

  /** @internal `console.log` and `util.inspect` show the vars, duplicates in wire order. */
  [INSPECT](depth: number, options: object, inspect: Inspect): string {
    const pairs: [unknown, unknown][] = [];
    for (let i = 0; i < this._count; i++) {
      pairs.push([this._printable(i, true), this._printable(i, false)]);
    }
    return inspectPairs("VarsView", this.size, pairs, depth, options, inspect);
  }

  // A string, or the bytes when they are not valid UTF-8 (printing must not throw).
  private _printable(i: number, key: boolean): unknown {
    try {
      return key ? this.keyAt(i) : this.valueAt(i);
    } catch {
      return key ? this.keyBytesAt(i) : this.valueBytesAt(i);
    }
  }

  /** A view with the same vars over its own copy of the block: the source can then be reused. */
  detach(): VarsView {
    const copy = allocBytes(this._end - this._start);
    copyBytes(this._buf, this._start, this._end, copy, 0);
    return new VarsView(
      copy,
      0,
      copy.length,
      this._table.slice(this._base, this._base + 2 * this._count + 1),
      0,
      this._count,
      this._encoding,
      this._contentLengthField,
    );
  }

  private _keyField(i: number): number {
    // One test for "a whole number in 0..count-1": a string, a fraction or NaN fails >>> 0 === i.
    if (i >>> 0 !== i || i >= this._count) checkIndex("index", i, this._count);
    return this._start + this._table[this._base + 2 * i]!;
  }

  private _valueField(i: number): number {
    if (i >>> 0 !== i || i >= this._count) checkIndex("index", i, this._count);
    return this._start + this._table[this._base + 2 * i + 1]!;
  }
}

/**
 * Decodes the vars block `buf[start, end)` (a Uint8Array, ArrayBuffer or any ArrayBufferView) in
 * one validating pass that records where each var starts; no strings and no views are made.
 * Throws a `UwsgiError` for any malformed block: `TRAILING_BYTES`, `KEY_OVERRUNS_DATASIZE`,
 * `VALUE_OVERRUNS_DATASIZE`, `EMPTY_KEY` (unless allowed), `TOO_MANY_VARS`, `DATASIZE_OVER_LIMIT`
 * (over 65535 bytes, or over `maxDatasize` when given). `options` may stand in place of `start`
 * or `end`.
 *
 * Stricter than uWSGI's request parser in one place: a key length that runs past the block is an
 * error here, where uWSGI skips the two bytes and reads on. Two parsers that disagree on where a
 * var starts are how requests get smuggled.
 */
export function decodeVars(
  buf: Uint8Array | ArrayBufferLike | ArrayBufferView,
  start?: number | DecodeOptions,
  end?: number | DecodeOptions,
  options?: DecodeOptions,
): VarsView {
  const a = blockArguments("decodeVars", "vars block", buf, start, end, options);
  const o = a.settings;
  return walkVars(a.src, a.start, a.end, o.maxVars, o.allowEmptyKeys, o.encoding);
}

// "CONTENT_LENGTH" (14 bytes) at buf[p]: compared byte by byte against constants, which V8 turns
// into a few loads and compares (a loop over a string's char codes cost 8% of a decode).
function isContentLength(buf: Uint8Array, p: number): boolean {
  return (
    buf[p] === 0x43 && // C
    buf[p + 7] === 0x5f && // _
    buf[p + 8] === 0x4c && // L
    buf[p + 1] === 0x4f && // O
    buf[p + 2] === 0x4e && // N
    buf[p + 3] === 0x54 && // T
    buf[p + 4] === 0x45 && // E
    buf[p + 5] === 0x4e && // N
    buf[p + 6] === 0x54 && // T
    buf[p + 9] === 0x45 && // E
    buf[p + 10] === 0x4e && // N
    buf[p + 11] === 0x47 && // G
    buf[p + 12] === 0x54 && // T
    buf[p + 13] === 0x48 // H
  );
}

/**
 * @internal The validating pass of {@link decodeVars}, for callers that have checked the bounds
 * and options already (`decodePacket`): the same errors, without checking the arguments again.
 */
export function walkVars(
  src: Uint8Array,
  start: number,
  end: number,
  maxVars: number,
  allowEmptyKeys: boolean,
  encoding: TextEncoding,
): VarsView {
  // A var takes at least 4 bytes, so the block bounds the count: a limit at or over that bound
  // is never reached, and the loop compares small integers even when maxVars is Infinity.
  const fit = (end - start) >>> 2;
  const limit = maxVars < fit ? maxVars : fit;
  // The slab makes the table one view.
  const table = reserveOffsets(2 * limit + 2);
  const base = reservedBase();
  // The next entry of the table, and the one the var over the limit would take.
  let t = base;
  const full = base + 2 * limit;
  let contentLengthField = -1;
  let p = start;
  // Each length's high byte is tested on its own: it is nearly always 0, and a predicted branch
  // takes its load off the chain of loads from one var to the next (nginx-get's 17 vars: 47 ns
  // against 77 ns for `lo | hi << 8`, Node 20.20). 2 is a length field's size, written as a
  // literal: an imported constant is read through a cell and checked on every use.
  while (p < end) {
    if (end - p < 4) throw trailingBytes(p, end - p);
    let keyLen = src[p]!;
    const keyHigh = src[p + 1]!;
    if (keyHigh !== 0) keyLen += keyHigh << 8;
    if (keyLen === 0 && !allowEmptyKeys) throw emptyKey(p);
    const valField = p + 2 + keyLen;
    // One test for both overruns; the cold path tells them apart.
    if (end - valField < 2) throw lengthOverrun(p, keyLen, valField, end);
    let valLen = src[valField]!;
    const valHigh = src[valField + 1]!;
    if (valHigh !== 0) valLen += valHigh << 8;
    const next = valField + 2 + valLen;
    if (next > end) throw valueOverrun(valField, valLen, end);
    if (t === full) throw tooManyVars(p, maxVars);
    // Every request needs its body length: note where CONTENT_LENGTH is while passing by.
    if (keyLen === 14 && isContentLength(src, p + 2)) contentLengthField = valField - start;
    table[t] = p - start;
    table[t + 1] = valField - start;
    t += 2;
    p = next;
  }
  table[t] = end - start;
  commitOffsets(t - base + 1);
  return new VarsView(src, start, end, table, base, (t - base) >>> 1, encoding, contentLengthField);
}
