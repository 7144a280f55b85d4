import { checkInteger, checkOptions, invalidArgType } from "../codec/arguments.js";
import {
  type CaptureFormat,
  captureFormatOf,
  type FrameHandler,
  type UnitReader,
} from "./capture-format.js";
import { CaptureError } from "./errors.js";
import { PcapRecords } from "./pcap-records.js";
import { PcapngBlocks } from "./pcapng-blocks.js";

/** Options of {@link CaptureReader}. */
export interface CaptureReaderOptions {
  /**
   * Largest record (pcap) or block (pcapng) held in memory, in bytes. Defaults to 1 MiB
   * (libpcap's largest snap length is 256 KiB). Unknown pcapng blocks of any size are skipped
   * without being held.
   */
  readonly maxRecordSize?: number;
}

/** Defaults of {@link CaptureReaderOptions}. */
export const DEFAULT_MAX_RECORD_SIZE: number = 1024 * 1024;

/**
 * A push-based reader of classic pcap (both byte orders, micro- and nanosecond magic) and pcapng
 * (sections in either byte order; SHB, IDB, EPB, SPB and the obsolete packet block; other blocks
 * skipped unread). Feed it chunks split anywhere; it calls the handler once per frame. A record
 * inside one chunk is handed out in place; one that straddles chunks is gathered into a scratch
 * buffer that never grows past `maxRecordSize`, so memory stays flat whatever the file size.
 *
 * This class cuts the input into the units its format's reader asks for (`PcapRecords`,
 * `PcapngBlocks`, chosen by the magic number). Every error is a {@link CaptureError} whose offset
 * counts bytes from the start of the input; after one the reader must not be used again.
 */
export class CaptureReader {
  readonly #handler: FrameHandler;
  readonly #maxRecord: number;
  #format: CaptureFormat | null = null;
  // The format's reader once the magic number is known.
  #units: UnitReader | null = null;
  #have = 0;
  #scratch: Buffer = Buffer.allocUnsafe(64);
  // Input offset of the next unit's first byte.
  #pos = 0;

  constructor(handler: FrameHandler, options: CaptureReaderOptions = {}) {
    checkOptions("CaptureReader", options, ["maxRecordSize"]);
    if (typeof handler !== "object" || handler === null || typeof handler.onFrame !== "function") {
      throw invalidArgType("handler", "an object with an onFrame method", handler);
    }
    const max =
      options.maxRecordSize === undefined
        ? DEFAULT_MAX_RECORD_SIZE
        : checkInteger("options.maxRecordSize", options.maxRecordSize, 64, 2 ** 32 - 1);
    this.#handler = handler;
    this.#maxRecord = max;
  }

  /** The format seen in the first four bytes, or null before them. */
  get format(): CaptureFormat | null {
    return this.#format;
  }

  /** Bytes consumed so far. */
  get bytesRead(): number {
    return this.#pos + this.#have;
  }

  /** Frames handed out so far. */
  get frames(): number {
    return this.#units === null ? 0 : this.#units.frames;
  }

  /** Feeds the next chunk of the file. Throws a `CaptureError` for bytes that cannot be a capture. */
  push(buf: Buffer): void {
    let off = 0;
    const len = buf.length;
    while (off < len) {
      const units = this.#units;
      if (units !== null && units.skip > 0) {
        const n = Math.min(units.skip, len - off);
        units.skip -= n;
        this.#pos += n;
        off += n;
        continue;
      }
      const need = units === null ? 4 : units.need;
      if (this.#have === 0 && len - off >= need) {
        // The whole unit is in this chunk: read in place.
        const at = this.#pos;
        this.#pos += need;
        this.#unit(buf, off, at);
        off += need;
        continue;
      }
      if (this.#have === 0 && this.#scratch.length < need) {
        this.#scratch = Buffer.allocUnsafe(Math.max(need, this.#scratch.length * 2));
      }
      const n = Math.min(need - this.#have, len - off);
      buf.copy(this.#scratch, this.#have, off, off + n);
      this.#have += n;
      off += n;
      if (this.#have === need) {
        this.#have = 0;
        const at = this.#pos;
        this.#pos += need;
        this.#unit(this.#scratch, 0, at);
      }
    }
  }

  /** The input ended. Throws `TRUNCATED` when it ended inside a header, record or block. */
  end(): void {
    const units = this.#units;
    const skip = units === null ? 0 : units.skip;
    if (units?.atBoundary && this.#have === 0 && skip === 0) return;
    const need = units === null ? 4 : units.need;
    throw new CaptureError(
      "TRUNCATED",
      skip > 0 ? units!.recordStart : this.#pos,
      skip > 0
        ? `${skip} more bytes of a skipped block`
        : units === null
          ? "a 4-byte magic number"
          : units.expected(),
      `the capture ends ${skip > 0 ? skip : need - this.#have} byte(s) short`,
    );
  }

  #unit(buf: Buffer, p: number, at: number): void {
    const units = this.#units;
    if (units !== null) units.unit(buf, p, at);
    else this.#magic(buf, p);
  }

  #magic(buf: Buffer, p: number): void {
    const format = captureFormatOf(buf[p]!, buf[p + 1]!, buf[p + 2]!, buf[p + 3]!);
    if (format === null) {
      throw new CaptureError(
        "NOT_A_CAPTURE",
        0,
        "a pcap (a1b2c3d4, a1b23c4d) or pcapng (0a0d0d0a) magic number",
        `the input starts with ${buf.toString("hex", p, p + 4)}, which is not a capture file`,
      );
    }
    this.#format = format;
    this.#units =
      format === "pcap"
        ? new PcapRecords(this.#handler, this.#maxRecord, buf, p)
        : new PcapngBlocks(this.#handler, this.#maxRecord);
  }
}
