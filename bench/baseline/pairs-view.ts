import { knownKey } from "../../src/codec/known-keys.js";
import { decodeString, type TextEncoding } from "../../src/codec/text.js";

/**
 * A lazy view of decoded name-value pairs (FastCGI PARAMS, SCGI headers), with the same contract
 * as the uwsgi `VarsView`: a table of where each name and value lies in the source, strings made
 * on demand, the last duplicate wins. The table holds four offsets a pair: name start and end,
 * value start and end.
 */
export class PairsView implements Iterable<[string, string]> {
  readonly #buf: Buffer;
  readonly #table: Uint32Array;
  readonly #encoding: TextEncoding;

  constructor(buf: Buffer, table: Uint32Array, encoding: TextEncoding) {
    this.#buf = buf;
    this.#table = table;
    this.#encoding = encoding;
  }

  /** Number of pairs, duplicates included. */
  get size(): number {
    return this.#table.length >>> 2;
  }

  /** Name of pair `i` (wire order). */
  keyAt(i: number): string {
    const t = this.#table;
    const start = t[i * 4]!;
    const end = t[i * 4 + 1]!;
    return (
      knownKey(this.#buf, start, end - start) ?? decodeString(this.#buf, start, end, this.#encoding)
    );
  }

  /** Value of pair `i` (wire order). */
  valueAt(i: number): string {
    const t = this.#table;
    return decodeString(this.#buf, t[i * 4 + 2]!, t[i * 4 + 3]!, this.#encoding);
  }

  /** Value of pair `i` as a view of the source. */
  valueBytesAt(i: number): Buffer {
    const t = this.#table;
    return this.#buf.subarray(t[i * 4 + 2]!, t[i * 4 + 3]!);
  }

  /** Index of the last pair named `key` (ASCII or latin1 names), or -1. */
  indexOf(key: string): number {
    const t = this.#table;
    const buf = this.#buf;
    for (let i = (t.length >>> 2) - 1; i >= 0; i--) {
      const start = t[i * 4]!;
      if (t[i * 4 + 1]! - start !== key.length) continue;
      let j = 0;
      while (j < key.length && buf[start + j] === key.charCodeAt(j)) j++;
      if (j === key.length) return i;
    }
    return -1;
  }

  /** The value of the last pair named `key`, or undefined. */
  get(key: string): string | undefined {
    const i = this.indexOf(key);
    return i < 0 ? undefined : this.valueAt(i);
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
