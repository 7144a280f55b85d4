/** A problem in an exchange's list: what {@link GapRun} merges. */
interface Problem {
  readonly code: string;
  readonly offset: number;
  readonly message: string;
}

/**
 * Holes in a row, said as one `GAP` problem: the first is listed as it comes, the next ones are
 * only counted, and the words are written once the run ends (a capture with a hole every other
 * byte makes one problem, not a million strings).
 */
export class GapRun {
  #at = -1;
  #bytes = 0;
  #holes = 0;

  /** Adds a hole to the run that ends `list`; false when `list` ends with no run (start one). */
  extend(list: readonly Problem[], bytes: number): boolean {
    if (this.#at < 0 || this.#at !== list.length - 1) return false;
    this.#bytes += bytes;
    this.#holes++;
    return true;
  }

  /** Starts a run with its first hole of `bytes`, listed as `first`. */
  start<T extends Problem>(list: T[], bytes: number, first: T): void {
    this.end(list);
    this.#at = list.length;
    this.#bytes = bytes;
    this.#holes = 1;
    list.push(first);
  }

  /** The run is over (another problem comes, or the list is read): its words are written. */
  end<T extends Problem>(list: T[]): void {
    if (this.#at >= 0 && this.#holes > 1) {
      list[this.#at] = {
        ...list[this.#at]!,
        message: `${this.#bytes} byte(s) in ${this.#holes} hole(s) were not captured`,
      };
    }
    this.#at = -1;
    this.#holes = 0;
  }
}
