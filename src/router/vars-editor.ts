import type { VarsView } from "../codec/vars-view.js";

/** One var of an edited list: keys as latin1 strings, values as the original bytes or a new string. */
type Pair = [key: string, value: Uint8Array | string];

function valueString(value: Uint8Array | string): string {
  // Buffer's latin1 is the exact byte-to-char mapping (TextDecoder's "latin1" is windows-1252).
  return typeof value === "string"
    ? value
    : Buffer.from(value.buffer, value.byteOffset, value.length).toString("latin1");
}

/**
 * The vars of a routed request, editable. Reads go to the decoded view until the first edit; the
 * first edit copies the list of vars (keys as strings, values as views of the request's bytes), so
 * an untouched request is forwarded as the bytes it came in, and an edited one is re-encoded with
 * every value it did not change byte for byte. Strings are latin1: one char per byte.
 */
export class VarsEditor implements Iterable<[string, string]> {
  readonly #view: VarsView;
  #pairs: Pair[] | null = null;

  /** @internal */
  constructor(view: VarsView) {
    this.#view = view;
  }

  /** True once a var was set, added or deleted. */
  get changed(): boolean {
    return this.#pairs !== null;
  }

  /** The vars as decoded from the request (unaffected by edits). */
  get original(): VarsView {
    return this.#view;
  }

  /** Number of vars, duplicates included. */
  get size(): number {
    return this.#pairs === null ? this.#view.size : this.#pairs.length;
  }

  /** The value of the last var named `key`, or undefined (last wins, as in uWSGI's environ). */
  get(key: string): string | undefined {
    const pairs = this.#pairs;
    if (pairs === null) return this.#view.get(key);
    for (let i = pairs.length - 1; i >= 0; i--) {
      if (pairs[i]![0] === key) return valueString(pairs[i]![1]);
    }
    return undefined;
  }

  /** Every value of vars named `key`, in order. */
  getAll(key: string): string[] {
    const pairs = this.#pairs;
    if (pairs === null) return this.#view.getAll(key);
    const out: string[] = [];
    for (const [k, v] of pairs) if (k === key) out.push(valueString(v));
    return out;
  }

  /** True when a var is named `key`. */
  has(key: string): boolean {
    return this.#pairs === null ? this.#view.has(key) : this.#pairs.some((p) => p[0] === key);
  }

  /**
   * Sets `key` to `value`: the first var of that name takes the value and later ones are removed;
   * a new name is added last.
   */
  set(key: string, value: string): this {
    const pairs = this.#edit();
    let at = -1;
    for (let i = 0; i < pairs.length; i++) {
      if (pairs[i]![0] !== key) continue;
      if (at < 0) {
        at = i;
        pairs[i] = [key, value];
      } else pairs.splice(i--, 1);
    }
    if (at < 0) pairs.push([key, value]);
    return this;
  }

  /** Adds a var last, even if one of that name exists (uWSGI's `addvar`: the last one wins). */
  add(key: string, value: string): this {
    this.#edit().push([key, value]);
    return this;
  }

  /** Removes every var named `key`; true when there was one. */
  delete(key: string): boolean {
    if (!this.has(key)) return false;
    const pairs = this.#edit();
    let w = 0;
    for (let r = 0; r < pairs.length; r++) if (pairs[r]![0] !== key) pairs[w++] = pairs[r]!;
    pairs.length = w;
    return true;
  }

  /** Removes every var whose key starts with `prefix`; returns how many went. */
  deletePrefix(prefix: string): number {
    const found =
      this.#pairs === null
        ? hasKeyPrefix(this.#view.raw, prefix)
        : this.#pairs.some((p) => p[0].startsWith(prefix));
    if (!found) return 0;
    const pairs = this.#edit();
    let w = 0;
    for (let r = 0; r < pairs.length; r++)
      if (!pairs[r]![0].startsWith(prefix)) pairs[w++] = pairs[r]!;
    const removed = pairs.length - w;
    pairs.length = w;
    return removed;
  }

  /** `[key, value]` strings in order, duplicates included. */
  *entries(): IterableIterator<[string, string]> {
    if (this.#pairs === null) {
      yield* this.#view.entries();
      return;
    }
    for (const [k, v] of this.#pairs) yield [k, valueString(v)];
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  /** A plain object of the vars (null prototype; the last duplicate wins). */
  toObject(): Record<string, string> {
    const out: Record<string, string> = Object.create(null);
    for (const [k, v] of this.entries()) out[k] = v;
    return out;
  }

  /** @internal The edited pairs for the encoder, or null when nothing changed. */
  pairs(): readonly (readonly [string, Uint8Array | string])[] | null {
    return this.#pairs;
  }

  #edit(): Pair[] {
    if (this.#pairs !== null) return this.#pairs;
    const view = this.#view;
    const pairs: Pair[] = new Array(view.size);
    for (let i = 0; i < view.size; i++) pairs[i] = [view.keyAt(i), view.valueBytesAt(i)];
    this.#pairs = pairs;
    return pairs;
  }
}

/** True when a key of the vars block `raw` starts with `prefix` (ASCII): no string, no view. */
export function hasKeyPrefix(raw: Uint8Array, prefix: string): boolean {
  const n = prefix.length;
  let p = 0;
  while (p + 4 <= raw.length) {
    const keyLen = raw[p]! | (raw[p + 1]! << 8);
    if (keyLen >= n) {
      let i = 0;
      while (i < n && raw[p + 2 + i] === prefix.charCodeAt(i)) i++;
      if (i === n) return true;
    }
    const v = p + 2 + keyLen;
    p = v + 2 + (raw[v]! | (raw[v + 1]! << 8));
  }
  return false;
}
