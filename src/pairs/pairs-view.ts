import { latin1Slice, utf8Slice } from "../codec/bytes.js";
import { knownKey } from "../codec/known-keys.js";
import type { TextEncoding } from "../codec/text.js";

/** The error class of the protocol a view was decoded from (FastcgiError, ScgiError). */
export type PairsErrorClass = new (
  code: "INVALID_UTF8",
  offset: number,
  expected: string,
  detail: string,
) => Error;

/**
 * A lazy view of decoded name-value pairs (FastCGI PARAMS, SCGI headers), with the contract of
 * the uwsgi `VarsView`: a table of where each name and value lies in the source, strings made on
 * demand, the last duplicate wins. The table holds four offsets a pair: name start and end, value
 * start and end. The view shares the source's memory: copy what you keep past the source's life.
 */
export class PairsView implements Iterable<[string, string]> {
  readonly #buf: Uint8Array;
  // The table is `#count` pairs of 4 entries from `#base` in the shared slab (no view is made).
  readonly #table: Uint32Array;
  readonly #base: number;
  readonly #count: number;
  readonly #encoding: TextEncoding;
  readonly #error: PairsErrorClass;

  /** @internal Made by the FastCGI and SCGI decoders. */
  constructor(
    buf: Uint8Array,
    table: Uint32Array,
    base: number,
    count: number,
    encoding: TextEncoding,
    error: PairsErrorClass,
  ) {
    this.#buf = buf;
    this.#table = table;
    this.#base = base;
    this.#count = count;
    this.#encoding = encoding;
    this.#error = error;
  }

  /** Number of pairs, duplicates included. */
  get size(): number {
    return this.#count;
  }

  #text(start: number, end: number): string {
    if (this.#encoding === "latin1") return latin1Slice(this.#buf, start, end);
    const s = utf8Slice(this.#buf, start, end);
    if (s === undefined) {
      throw new this.#error(
        "INVALID_UTF8",
        start,
        "valid UTF-8",
        `bytes ${start}..${end} are not valid UTF-8; read them with valueBytesAt or decode as latin1`,
      );
    }
    return s;
  }

  /** Name of pair `i` (wire order). */
  keyAt(i: number): string {
    const t = this.#table;
    const at = this.#base + i * 4;
    const start = t[at]!;
    const end = t[at + 1]!;
    return knownKey(this.#buf, start, end - start) ?? this.#text(start, end);
  }

  /** Value of pair `i` (wire order). */
  valueAt(i: number): string {
    const t = this.#table;
    const at = this.#base + i * 4;
    return this.#text(t[at + 2]!, t[at + 3]!);
  }

  /** Value of pair `i` as a view of the source (no copy). */
  valueBytesAt(i: number): Uint8Array {
    const t = this.#table;
    const at = this.#base + i * 4;
    return this.#buf.subarray(t[at + 2]!, t[at + 3]!);
  }

  /** Index of the last pair named `key` (names compared as latin1 bytes), or -1. */
  indexOf(key: string): number {
    const t = this.#table;
    const buf = this.#buf;
    for (let i = this.#count - 1; i >= 0; i--) {
      const at = this.#base + i * 4;
      const start = t[at]!;
      if (t[at + 1]! - start !== key.length) continue;
      let j = 0;
      while (j < key.length && buf[start + j] === key.charCodeAt(j)) j++;
      if (j === key.length) return i;
    }
    return -1;
  }

  /** True when a pair is named `key`. */
  has(key: string): boolean {
    return this.indexOf(key) >= 0;
  }

  /** The value of the last pair named `key`, or undefined. */
  get(key: string): string | undefined {
    const i = this.indexOf(key);
    return i < 0 ? undefined : this.valueAt(i);
  }

  /** The value of the last pair named `key` as a view of the source, or undefined. */
  getBytes(key: string): Uint8Array | undefined {
    const i = this.indexOf(key);
    return i < 0 ? undefined : this.valueBytesAt(i);
  }

  *[Symbol.iterator](): IterableIterator<[string, string]> {
    for (let i = 0; i < this.size; i++) yield [this.keyAt(i), this.valueAt(i)];
  }

  /** A plain object (null prototype); the last duplicate wins. */
  toObject(): Record<string, string> {
    const out: Record<string, string> = Object.create(null);
    for (let i = 0; i < this.size; i++) out[this.keyAt(i)] = this.valueAt(i);
    return out;
  }
}
