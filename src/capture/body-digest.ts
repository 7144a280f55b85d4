import { createHash, type Hash } from "node:crypto";
import type { BodySummary } from "./exchange.js";

const ZEROS = Buffer.alloc(64 * 1024);
const EMPTY = Buffer.alloc(0);
const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/** Length, first bytes and SHA-256 of a body fed in pieces; holds only the preview. */
export class BodyDigest {
  readonly #previewMax: number;
  #hash: Hash | null = null;
  #preview: Buffer = EMPTY;
  length = 0;
  missing = 0;

  constructor(previewMax: number) {
    this.#previewMax = previewMax;
  }

  /** Adds a piece (a view; only the preview part is copied). */
  add(piece: Buffer): void {
    if (piece.length === 0) return;
    if (this.#preview.length < this.#previewMax) {
      const take = Math.min(this.#previewMax - this.#preview.length, piece.length);
      this.#preview = Buffer.concat([this.#preview, piece.subarray(0, take)]);
    }
    this.#hash ??= createHash("sha256");
    this.#hash.update(piece);
    this.length += piece.length;
  }

  /** `n` bytes the capture lost: hashed as zeros, counted in `missing`. */
  addMissing(n: number): void {
    this.missing += n;
    this.#hash ??= createHash("sha256");
    let left = n;
    while (left > 0) {
      const k = Math.min(left, ZEROS.length);
      this.#hash.update(ZEROS.subarray(0, k));
      left -= k;
    }
  }

  /** The summary; call once. */
  summary(complete: boolean): BodySummary {
    const sha256 = this.#hash === null ? EMPTY_SHA256 : this.#hash.digest("hex");
    this.#hash = null;
    return { length: this.length, missing: this.missing, preview: this.#preview, sha256, complete };
  }
}
