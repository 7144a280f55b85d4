import {
  checkBoolean,
  checkInteger,
  checkOneOf,
  checkOptions,
  invalidArgType,
  invalidArgValue,
  outOfRange,
} from "../codec/arguments.js";
import { DEFAULT_MAX_RECORD_SIZE } from "./capture-reader.js";
import type { BodyCallback, CaptureStats, InputFormat } from "./session.js";

/** Options of `decodeCapture`; defaults in {@link DEFAULT_CAPTURE_OPTIONS}. */
export interface DecodeCaptureOptions {
  /**
   * Server ports of uwsgi: a connection to one of them is read as uwsgi, the side with the port
   * being the server. Default: none, and connections are recognised by the heuristic.
   */
  readonly ports?: Iterable<number>;
  /**
   * Recognise uwsgi connections by their first bytes (a whole, plausible uwsgi request). Defaults
   * to true without `ports` and false with them; it cannot be false without ports.
   */
  readonly heuristic?: boolean;
  /** `"auto"` (the default) sniffs: pcap/pcapng magic, then hex text, then raw uwsgi bytes. */
  readonly format?: InputFormat | "auto";
  /**
   * Compute the SHA-256 of every body (`BodySummary.sha256`). Default false: hashing is about a
   * sixth of a decode's time, and most uses look at vars and sizes.
   */
  readonly digest?: boolean;
  /**
   * Out-of-order bytes held per connection direction before a gap is declared. Default 1 MiB.
   * Each held segment counts 128 bytes beyond its payload, which also bounds how many wait.
   */
  readonly maxOutOfOrderBytes?: number;
  /**
   * Out-of-order bytes held by all connections together before a gap is declared in the one that
   * asks for more (counted the same way). Default 64 MiB: with the other limits, the bound on
   * what a decode holds.
   */
  readonly maxBufferedBytes?: number;
  /** Connections tracked at once; past it the oldest is reported as it is. Default 10000. */
  readonly maxConnections?: number;
  /** Largest pcap record / pcapng block held. Default 1 MiB. */
  readonly maxRecordSize?: number;
  /** Bytes of each body (and answer packet) kept as `preview`. Default 64. */
  readonly previewBytes?: number;
  /**
   * Called with every captured body piece (request and answer), in order, e.g. to write them out.
   * The piece is a view, valid during the call only. What it throws ends the decode as it is.
   */
  readonly onBody?: BodyCallback;
  /** Called after each input chunk with the bytes read so far. */
  readonly onProgress?: (bytesRead: number) => void;
  /** Filled in as the decode goes (make one with `newStats()`), read it after. */
  readonly stats?: CaptureStats;
  /** Stops the decode: the iteration throws the signal's reason. */
  readonly signal?: AbortSignal;
}

/** The defaults of {@link DecodeCaptureOptions}. */
export const DEFAULT_CAPTURE_OPTIONS: Readonly<{
  format: "auto";
  digest: false;
  maxOutOfOrderBytes: number;
  maxBufferedBytes: number;
  maxConnections: number;
  maxRecordSize: number;
  previewBytes: number;
}> = Object.freeze({
  format: "auto",
  digest: false,
  maxOutOfOrderBytes: 1024 * 1024,
  maxBufferedBytes: 64 * 1024 * 1024,
  maxConnections: 10_000,
  maxRecordSize: DEFAULT_MAX_RECORD_SIZE,
  previewBytes: 64,
});

const OPTION_KEYS = [
  "ports",
  "heuristic",
  "format",
  "digest",
  "maxOutOfOrderBytes",
  "maxBufferedBytes",
  "maxConnections",
  "maxRecordSize",
  "previewBytes",
  "onBody",
  "onProgress",
  "stats",
  "signal",
] as const;

// Other spellings people reach for: tshark's and our CLI's words.
const ALIASES: Readonly<Record<string, string>> = {
  port: "ports",
  sha256: "digest",
  hash: "digest",
  preview: "previewBytes",
};

const FORMATS = ["auto", "pcap", "pcapng", "raw", "hex"] as const;

/** The options of one decode, checked and with defaults applied. */
export interface CapturePlan {
  readonly ports: ReadonlySet<number> | null;
  readonly heuristic: boolean;
  readonly format: InputFormat | "auto";
  readonly digest: boolean;
  readonly maxOutOfOrderBytes: number;
  readonly maxBufferedBytes: number;
  readonly maxConnections: number;
  readonly maxRecordSize: number;
  readonly previewBytes: number;
  readonly onBody: BodyCallback | undefined;
  readonly onProgress: ((bytesRead: number) => void) | undefined;
  readonly stats: CaptureStats | undefined;
  readonly signal: AbortSignal | undefined;
}

/**
 * Checks `decodeCapture`'s options as Node checks arguments: an unknown key is
 * `ERR_UNKNOWN_OPTION`, a wrong type `ERR_INVALID_ARG_TYPE` (TypeError), a number out of range
 * `ERR_OUT_OF_RANGE` (RangeError), a value that cannot go with the others `ERR_INVALID_ARG_VALUE`.
 */
export function capturePlan(options: DecodeCaptureOptions | undefined): CapturePlan {
  checkOptions("decodeCapture", options, OPTION_KEYS, ALIASES);
  const o = options ?? {};
  const d = DEFAULT_CAPTURE_OPTIONS;
  const ports = portsOf(o.ports);
  const heuristic =
    o.heuristic === undefined ? ports === null : checkBoolean("options.heuristic", o.heuristic);
  if (!heuristic && ports === null) {
    throw invalidArgValue(
      "options.heuristic",
      false,
      "can be false only with options.ports (which connections would be read?)",
    );
  }
  const count = (name: keyof typeof d, value: unknown, min: number) =>
    checkInteger(`options.${name}`, value === undefined ? d[name] : value, min, 2 ** 53 - 1);
  return {
    ports,
    heuristic,
    format: o.format === undefined ? d.format : checkOneOf("options.format", o.format, FORMATS),
    digest: o.digest === undefined ? d.digest : checkBoolean("options.digest", o.digest),
    maxOutOfOrderBytes: count("maxOutOfOrderBytes", o.maxOutOfOrderBytes, 0),
    maxBufferedBytes: count("maxBufferedBytes", o.maxBufferedBytes, 0),
    maxConnections: count("maxConnections", o.maxConnections, 1),
    maxRecordSize: count("maxRecordSize", o.maxRecordSize, 64),
    previewBytes: count("previewBytes", o.previewBytes, 0),
    onBody: functionOf("options.onBody", o.onBody),
    onProgress: functionOf("options.onProgress", o.onProgress),
    stats: statsOf(o.stats),
    signal: signalOf(o.signal),
  };
}

function portsOf(ports: unknown): ReadonlySet<number> | null {
  if (ports === undefined) return null;
  if (typeof ports !== "object" || ports === null || !(Symbol.iterator in ports)) {
    throw invalidArgType("options.ports", "an iterable of port numbers", ports);
  }
  const set = new Set<number>();
  for (const p of ports as Iterable<unknown>) {
    if (typeof p !== "number") throw invalidArgType("options.ports[]", "of type number", p);
    if (!(Number.isInteger(p) && p >= 1 && p <= 65535)) {
      throw outOfRange("options.ports[]", "an integer >= 1 && <= 65535", p);
    }
    set.add(p);
  }
  return set.size === 0 ? null : set;
}

function functionOf<F>(name: string, value: F | undefined): F | undefined {
  if (value !== undefined && typeof value !== "function") {
    throw invalidArgType(name, "of type function", value);
  }
  return value;
}

function statsOf(value: CaptureStats | undefined): CaptureStats | undefined {
  if (value !== undefined && (typeof value !== "object" || value === null)) {
    throw invalidArgType("options.stats", "an object made by newStats()", value);
  }
  return value;
}

function signalOf(value: AbortSignal | undefined): AbortSignal | undefined {
  if (value !== undefined && !(value instanceof AbortSignal)) {
    throw invalidArgType("options.signal", "an instance of AbortSignal", value);
  }
  return value;
}
