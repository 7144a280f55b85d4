import type { Hash } from "node:crypto";
import type { BodySummary } from "./exchange.js";
import type { CaptureWork } from "./session.js";

const EMPTY = Buffer.alloc(0);

// node:crypto is loaded on the first digest asked for: a decode without digests (the API's
// default) does not pay for loading it.
let createHash: ((algorithm: string) => Hash) | null = null;
const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/**
 * Length, first bytes and (when asked) SHA-256 of a body fed in pieces; holds only the preview.
 * Bytes the capture lost are counted, never made up: a body with a hole has no digest, since a
 * hash of what was seen would match nothing, and hashing is stopped at the first hole.
 */
export class BodyDigest {
  readonly #previewMax: number;
  readonly #work: CaptureWork;
  #hash: Hash | null = null;
  #hashing: boolean;
  #preview: Buffer = EMPTY;
  #previewLength = 0;
  length = 0;
  missing = 0;

  constructor(previewMax: number, digest: boolean, work: CaptureWork) {
    this.#previewMax = previewMax;
    this.#hashing = digest;
    this.#work = work;
  }

  /** Bytes taken so far, lost ones included: where the next piece starts in the body. */
  get position(): number {
    return this.length + this.missing;
  }

  /** Adds a piece (a view; only the preview part is copied). */
  add(piece: Uint8Array): void {
    const n = piece.length;
    if (n === 0) return;
    if (this.#previewLength < this.#previewMax && this.missing === 0) this.#keep(piece);
    if (this.#hashing) {
      if (this.#hash === null) {
        createHash ??= process.getBuiltinModule("node:crypto").createHash;
        this.#hash = createHash("sha256");
      }
      this.#hash.update(piece);
      this.#work.hashedBytes += n;
    }
    this.length += n;
  }

  /** `n` bytes the capture lost: counted in `missing`; the digest is given up. */
  addMissing(n: number): void {
    if (n <= 0) return;
    this.missing += n;
    this.#hashing = false;
    this.#hash = null;
  }

  #keep(piece: Uint8Array): void {
    if (this.#preview.length === 0) this.#preview = Buffer.allocUnsafe(this.#previewMax);
    const take = Math.min(this.#previewMax - this.#previewLength, piece.length);
    this.#preview.set(piece.subarray(0, take), this.#previewLength);
    this.#previewLength += take;
  }

  /** The summary; call once. */
  summary(complete: boolean): BodySummary {
    let sha256: string | null = null;
    if (this.#hashing) sha256 = this.#hash === null ? EMPTY_SHA256 : this.#hash.digest("hex");
    this.#hash = null;
    this.#hashing = false;
    return {
      length: this.length,
      missing: this.missing,
      preview: this.#preview.subarray(0, this.#previewLength),
      sha256,
      complete,
    };
  }
}
