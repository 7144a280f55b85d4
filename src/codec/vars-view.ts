import { checkBoolean, checkIndex, checkInteger, invalidArgType } from "./arguments.js";
import { allocBytes, copyBytes } from "./bytes.js";
import { LENGTH_SIZE } from "./constants.js";
import { contentLengthIn } from "./content-length.js";
import { INSPECT, type Inspect, inspectPairs } from "./inspect.js";
import { knownKey } from "./known-keys.js";
import { bytesEqualKey, keyNeedle, type TextEncoding } from "./text.js";
import { blockText, fieldString, fieldsAllAscii } from "./vars-strings.js";

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

  // The first string of a view, and every string of a big block or of a utf8 block that is not
  // all ASCII (vars-strings.ts).
  private _slowString(p: number): string {
    if (this._text === undefined) {
      const text = blockText(this._buf, this._start, this._end);
      if (text !== undefined) {
        this._text = text;
        if (
          this._encoding === "latin1" ||
          fieldsAllAscii(this._buf, this._start, this._table, this._base, this._count, text)
        ) {
          this._cut = text;
        }
      }
    }
    return fieldString(this._buf, this._start, p, this._encoding, this._text);
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
