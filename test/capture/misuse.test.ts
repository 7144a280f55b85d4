// Misuse of the capture API and of the CLI, as tables: each wrong call and the exact error it gets.
// Wrong arguments are TypeError/RangeError with Node's codes, thrown at the call; errors about the
// input are CaptureError; what user code throws comes out as it is.
import { describe, expect, it } from "vitest";
import { requestPacket } from "../../scripts/lib/hostile-captures.mjs";
import { CaptureReader } from "../../src/capture/capture-reader.js";
import { decodeCapture } from "../../src/capture/decode-capture.js";
import { CaptureError } from "../../src/capture/errors.js";
import { type CliIo, ExitCode, main } from "../../src/cli/main.js";
import { argumentError } from "../support/checks.js";
import { capturePath, collect, readCapture } from "./support/fixtures.js";

const FILE = readCapture("lo.pcap");

type Row = readonly [name: string, call: () => unknown, error: string, code: string];

const T = "TypeError";
const R = "RangeError";

/** decodeCapture(source, options) misuse: refused at the call, before anything is read. */
const API: readonly Row[] = [
  ["no source", () => decodeCapture(undefined as never), T, "ERR_INVALID_ARG_TYPE"],
  ["a number as source", () => decodeCapture(42 as never), T, "ERR_INVALID_ARG_TYPE"],
  ["a plain object as source", () => decodeCapture({} as never), T, "ERR_INVALID_ARG_TYPE"],
  ["options not an object", () => decodeCapture(FILE, "x" as never), T, "ERR_INVALID_ARG_TYPE"],
  ["port for ports", () => decodeCapture(FILE, { port: 3031 } as never), T, "ERR_UNKNOWN_OPTION"],
  [
    "sha256 for digest",
    () => decodeCapture(FILE, { sha256: true } as never),
    T,
    "ERR_UNKNOWN_OPTION",
  ],
  [
    "ports a number",
    () => decodeCapture(FILE, { ports: 3031 } as never),
    T,
    "ERR_INVALID_ARG_TYPE",
  ],
  [
    "a port as text",
    () => decodeCapture(FILE, { ports: ["3031"] } as never),
    T,
    "ERR_INVALID_ARG_TYPE",
  ],
  ["port 0", () => decodeCapture(FILE, { ports: [0] }), R, "ERR_OUT_OF_RANGE"],
  ["port 70000", () => decodeCapture(FILE, { ports: [70000] }), R, "ERR_OUT_OF_RANGE"],
  [
    "no heuristic, no ports",
    () => decodeCapture(FILE, { heuristic: false }),
    T,
    "ERR_INVALID_ARG_VALUE",
  ],
  [
    "heuristic as text",
    () => decodeCapture(FILE, { heuristic: "yes" } as never),
    T,
    "ERR_INVALID_ARG_TYPE",
  ],
  [
    "negative maxOutOfOrderBytes",
    () => decodeCapture(FILE, { maxOutOfOrderBytes: -1 }),
    R,
    "ERR_OUT_OF_RANGE",
  ],
  [
    "NaN maxBufferedBytes",
    () => decodeCapture(FILE, { maxBufferedBytes: Number.NaN }),
    R,
    "ERR_OUT_OF_RANGE",
  ],
  ["maxConnections 0", () => decodeCapture(FILE, { maxConnections: 0 }), R, "ERR_OUT_OF_RANGE"],
  ["maxRecordSize 10", () => decodeCapture(FILE, { maxRecordSize: 10 }), R, "ERR_OUT_OF_RANGE"],
  ["previewBytes 1.5", () => decodeCapture(FILE, { previewBytes: 1.5 }), R, "ERR_OUT_OF_RANGE"],
  [
    "previewBytes as text",
    () => decodeCapture(FILE, { previewBytes: "64" } as never),
    T,
    "ERR_INVALID_ARG_TYPE",
  ],
  [
    "maxConnections null",
    () => decodeCapture(FILE, { maxConnections: null } as never),
    T,
    "ERR_INVALID_ARG_TYPE",
  ],
  [
    "format jpeg",
    () => decodeCapture(FILE, { format: "jpeg" } as never),
    T,
    "ERR_INVALID_ARG_VALUE",
  ],
  ["digest 1", () => decodeCapture(FILE, { digest: 1 } as never), T, "ERR_INVALID_ARG_TYPE"],
  [
    "onBody a string",
    () => decodeCapture(FILE, { onBody: "f" } as never),
    T,
    "ERR_INVALID_ARG_TYPE",
  ],
  [
    "onProgress a number",
    () => decodeCapture(FILE, { onProgress: 1 } as never),
    T,
    "ERR_INVALID_ARG_TYPE",
  ],
  [
    "signal not a signal",
    () => decodeCapture(FILE, { signal: {} } as never),
    T,
    "ERR_INVALID_ARG_TYPE",
  ],
  ["stats a number", () => decodeCapture(FILE, { stats: 5 } as never), T, "ERR_INVALID_ARG_TYPE"],
  [
    "reader without handler",
    () => new CaptureReader(undefined as never),
    T,
    "ERR_INVALID_ARG_TYPE",
  ],
  [
    "reader maxRecordSize 10",
    () => new CaptureReader({ onFrame() {} }, { maxRecordSize: 10 }),
    R,
    "ERR_OUT_OF_RANGE",
  ],
  [
    "reader unknown option",
    () => new CaptureReader({ onFrame() {} }, { max: 1 } as never),
    T,
    "ERR_UNKNOWN_OPTION",
  ],
];

/** The CLI: argv, exit code, and the first line of stderr. */
const CLI: readonly (readonly [argv: readonly string[], exit: number, first: string])[] = [
  [[], ExitCode.USAGE, "uwsgi-codec: no command given"],
  [["frobnicate"], ExitCode.USAGE, 'uwsgi-codec: unknown command "frobnicate"'],
  [["--json"], ExitCode.USAGE, "uwsgi-codec: option --json comes after a command"],
  [["decode"], ExitCode.USAGE, "uwsgi-codec decode: decode needs a FILE (or - for stdin)"],
  [["decode", "a", "b"], ExitCode.USAGE, "uwsgi-codec decode: decode takes one FILE, got 2"],
  [
    ["decode", "a", "--port", "x"],
    ExitCode.USAGE,
    "uwsgi-codec decode: --port x: not a port number (1-65535)",
  ],
  [
    ["decode", "a", "--port", "0"],
    ExitCode.USAGE,
    "uwsgi-codec decode: --port 0: not a port number (1-65535)",
  ],
  [
    ["decode", "a", "--format", "gif"],
    ExitCode.USAGE,
    "uwsgi-codec decode: --format gif: use one of auto, pcap, pcapng, raw, hex",
  ],
  [
    ["decode", "a", "--no-heuristic"],
    ExitCode.USAGE,
    "uwsgi-codec decode: --no-heuristic needs at least one --port",
  ],
  [
    ["decode", "a", "--what"],
    ExitCode.USAGE,
    "uwsgi-codec decode: Unknown option '--what'. To specify a positional argument starting with a '-', place it at the end of the command after '--', as in '-- \"--what\"",
  ],
  [
    ["decode", "/no/such.pcap"],
    ExitCode.NOT_A_CAPTURE,
    "uwsgi-codec: /no/such.pcap: cannot read it: ENOENT: no such file or directory, open '/no/such.pcap' (offset 0)",
  ],
  [
    ["decode", capturePath("lo.pcap"), "--format", "pcapng"],
    ExitCode.NOT_A_CAPTURE,
    `uwsgi-codec: ${capturePath("lo.pcap")}: NOT_A_CAPTURE: the input is a pcap file, not pcapng: drop the format, or ask for "pcap" (offset 0)`,
  ],
  [
    ["decode", capturePath("lo.pcap"), "--body", capturePath("lo.pcap")],
    ExitCode.USAGE,
    `uwsgi-codec decode: --body ${capturePath("lo.pcap")}: is a file, not a directory (bodies go into a directory)`,
  ],
];

describe("misuse of decodeCapture and CaptureReader: Node's argument errors, at the call", () => {
  it.each(API)("%s", (_name, call, error, code) => {
    const thrown = argumentError(call);
    expect(thrown).toBeInstanceOf(error === R ? RangeError : TypeError);
    expect(thrown).toMatchObject({ code });
  });
});

describe("what goes wrong while decoding keeps its own identity", () => {
  it("a source giving something that is not bytes: a TypeError, not UNREADABLE", async () => {
    async function* numbers(): AsyncGenerator<unknown> {
      yield 42;
    }
    const err = await collect(numbers() as AsyncIterable<Uint8Array>).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect(err).toMatchObject({ code: "ERR_INVALID_ARG_TYPE" });
  });

  it("a source that fails: UNREADABLE, at the offset it reached, with the failure as cause", async () => {
    const failure = new Error("disk on fire");
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield FILE.subarray(0, 1000);
      throw failure;
    }
    const err = await collect(failing()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CaptureError);
    expect(err).toMatchObject({ code: "UNREADABLE", offset: 1000, cause: failure });
    expect((err as Error).message).toBe("disk on fire (offset 1000)");
  });

  it("an onBody or onProgress that throws: the decode ends with that very error", async () => {
    const bug = new Error("bug in the callback");
    const thrower = () => {
      throw bug;
    };
    await expect(collect(FILE, { onBody: thrower })).rejects.toBe(bug);
    await expect(collect(FILE, { onProgress: thrower })).rejects.toBe(bug);
    // The same through raw uwsgi bytes (a request with a body).
    const raw = Buffer.concat([requestPacket({ CONTENT_LENGTH: "3" }), Buffer.from("abc")]);
    await expect(collect(raw, { onBody: thrower })).rejects.toBe(bug);
  });
});

describe("misuse of the CLI: exit code and the first line it says", () => {
  it.each(CLI)("%j", async (argv, exit, first) => {
    let err = "";
    const io: CliIo = {
      stdout: { write: () => true },
      stderr: {
        write: (s: string) => {
          err += s;
          return true;
        },
      },
    };
    expect(await main(argv, io)).toBe(exit);
    expect(err.split("\n")[0]).toBe(first);
  });
});
