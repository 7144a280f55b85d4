import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";

/**
 * Writes bodies to `DIR/<id>.request.bin` and `DIR/<id>.answer.bin` as their pieces arrive (a
 * file per body, kept open until its exchange is reported), so no body is held in memory.
 */
export class BodyFiles {
  readonly #dir: string;
  readonly #open = new Map<string, number>();
  /** Files written. */
  written = 0;

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.#dir = dir;
  }

  /** Appends a piece of exchange `id`'s request or answer body. */
  write(id: number, part: "request" | "answer", piece: Buffer): void {
    const name = `${id}.${part}.bin`;
    let fd = this.#open.get(name);
    if (fd === undefined) {
      fd = openSync(join(this.#dir, name), "w");
      this.#open.set(name, fd);
      this.written++;
    }
    let off = 0;
    while (off < piece.length) off += writeSync(fd, piece, off, piece.length - off);
  }

  /** Closes exchange `id`'s files. */
  close(id: number): void {
    for (const part of ["request", "answer"]) {
      const name = `${id}.${part}.bin`;
      const fd = this.#open.get(name);
      if (fd !== undefined) {
        closeSync(fd);
        this.#open.delete(name);
      }
    }
  }

  /** Closes every file still open. */
  closeAll(): void {
    for (const fd of this.#open.values()) closeSync(fd);
    this.#open.clear();
  }
}
