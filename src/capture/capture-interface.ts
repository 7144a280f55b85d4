import type { Frame } from "./capture-format.js";

const TWO_32 = 4294967296;
const POW10: readonly number[] = [
  1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/**
 * A pcapng interface: its link type, snap length, and how its 64-bit timestamps read
 * (`if_tsresol`, `if_tsoffset`). Timestamps are converted exactly: the high word is worth a whole
 * number of seconds plus a remainder, computed with BigInt only when it changes (every few
 * seconds of capture at nanosecond resolution), so each frame costs a few double operations.
 */
export class CaptureInterface {
  readonly linkType: number;
  readonly snapLength: number;
  /** log10 of the units per second, or -1 when the resolution is a power of two. */
  readonly #pow10: number;
  /** log2 of the units per second when `pow10` is -1. */
  readonly #pow2: number;
  /** if_tsoffset: seconds added to every timestamp. */
  readonly #offsetSeconds: number;
  // The last high word seen and what it is worth: whole seconds and a remainder in units.
  #hi = -1;
  #baseSeconds = 0;
  #baseRest = 0;

  constructor(
    linkType: number,
    snapLength: number,
    pow10: number,
    pow2: number,
    offsetSeconds: number,
  ) {
    this.linkType = linkType;
    this.snapLength = snapLength;
    this.#pow10 = pow10;
    this.#pow2 = pow2;
    this.#offsetSeconds = offsetSeconds;
  }

  /** Sets `frame.seconds` and `frame.nanos` from a timestamp of `hi`:`lo` units. */
  setTime(frame: Frame, hi: number, lo: number): void {
    const pow10 = this.#pow10;
    if (pow10 < 0 || pow10 > 15) {
      this.#setTimeExactly(frame, hi, lo);
      return;
    }
    const unit = POW10[pow10]!;
    if (hi !== this.#hi) {
      const base = BigInt(hi) * BigInt(TWO_32);
      this.#baseSeconds = Number(base / BigInt(unit));
      this.#baseRest = Number(base % BigInt(unit));
      this.#hi = hi;
    }
    // Below 2^53 (unit <= 10^15, lo < 2^32): exact in doubles.
    let rest = this.#baseRest + lo;
    let seconds = this.#baseSeconds;
    if (rest >= unit) {
      const whole = Math.floor(rest / unit);
      seconds += whole;
      rest -= whole * unit;
    }
    frame.seconds = seconds + this.#offsetSeconds;
    frame.nanos = pow10 <= 9 ? rest * POW10[9 - pow10]! : Math.floor(rest / POW10[pow10 - 9]!);
  }

  /** Resolutions past 10^15 or in powers of two: BigInt for every frame (rare in practice). */
  #setTimeExactly(frame: Frame, hi: number, lo: number): void {
    const ts = (BigInt(hi) << 32n) | BigInt(lo);
    const unit = this.#pow10 >= 0 ? 10n ** BigInt(this.#pow10) : 1n << BigInt(this.#pow2);
    frame.seconds = Number(ts / unit) + this.#offsetSeconds;
    frame.nanos = Number(((ts % unit) * 1_000_000_000n) / unit);
  }
}
