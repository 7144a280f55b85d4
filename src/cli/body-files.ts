import { closeSync, ftruncateSync, mkdirSync, openSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";

/** A body file could not be written (disk full, a name taken by a directory...). */
export class BodyWriteError extends Error {
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = "BodyWriteError";
  }
}

/**
 * Writes bodies to `DIR/<id>.request.bin` and `DIR/<id>.answer.bin` as their pieces arrive (a
 * file per body, kept open until its exchange is reported), so no body is held in memory. A piece
 * is written where it belongs in its body: bytes the capture lost are a hole in the file (which
 * reads as zeros and, on most file systems, takes no space).
 */
export class BodyFiles {
  readonly #dir: string;
  readonly #open = new Map<string, number>();
  /** Files written. */
  written = 0;

  /** Makes `dir` (and its parents) unless it exists; throws a message for `--body` when it cannot. */
  constructor(dir: string) {
    let isDir: boolean | null = null;
    try {
      isDir = statSync(dir).isDirectory();
    } catch {
      // Not there yet: made below.
    }
    if (isDir === false) throw new Error("is a file, not a directory (bodies go into a directory)");
    if (isDir === null) {
      try {
        mkdirSync(dir, { recursive: true });
      } catch (err) {
        throw new Error(`cannot make the directory (${(err as Error).message})`);
      }
    }
    this.#dir = dir;
  }

  /** Writes a piece of exchange `id`'s request or answer body at `offset` of that body. */
  write(id: number, part: "request" | "answer", piece: Buffer, offset: number): void {
    const name = `${id}.${part}.bin`;
    try {
      let fd = this.#open.get(name);
      if (fd === undefined) {
        fd = openSync(join(this.#dir, name), "w");
        this.#open.set(name, fd);
        this.written++;
      }
      let off = 0;
      while (off < piece.length) {
        off += writeSync(fd, piece, off, piece.length - off, offset + off);
      }
    } catch (err) {
      throw new BodyWriteError(`${join(this.#dir, name)}: ${(err as Error).message}`, err);
    }
  }

  /**
   * Closes exchange `id`'s files, each cut (or extended with a hole) to its body's size: bytes
   * lost at a body's end are a hole too.
   */
  close(id: number, requestSize: number, answerSize: number): void {
    this.#close(`${id}.request.bin`, requestSize);
    this.#close(`${id}.answer.bin`, answerSize);
  }

  #close(name: string, size: number): void {
    const fd = this.#open.get(name);
    if (fd === undefined) return;
    this.#open.delete(name);
    try {
      ftruncateSync(fd, size);
    } catch (err) {
      throw new BodyWriteError(`${join(this.#dir, name)}: ${(err as Error).message}`, err);
    } finally {
      closeSync(fd);
    }
  }

  /** Closes every file still open. */
  closeAll(): void {
    for (const fd of this.#open.values()) closeSync(fd);
    this.#open.clear();
  }
}
