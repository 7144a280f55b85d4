#!/usr/bin/env node
import { readFileSync, realpathSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { decodeCapture } from "../capture/decode-capture.js";
import { CaptureError } from "../capture/errors.js";
import { newStats } from "../capture/session.js";
import { type CliRequest, parseCommandLine, UsageError } from "./args.js";
import { BodyFiles } from "./body-files.js";
import { COLOR, PLAIN, renderHuman, renderJson } from "./render.js";

/** Exit codes of the CLI. */
export const ExitCode = {
  /** Every exchange decoded without error. */
  OK: 0,
  /** Decoded, but some exchange had errors or gaps, or the capture is damaged past its start. */
  DECODE_ERRORS: 1,
  /** The command line is wrong. */
  USAGE: 2,
  /** The input cannot be read, or is no capture, hex dump or uwsgi stream at all. */
  NOT_A_CAPTURE: 3,
  /** A bug: an exception that is no `CaptureError`. */
  INTERNAL: 70,
} as const;

/** A text sink: `process.stdout`/`stderr` or a test double. */
export interface CliOutput {
  write(text: string): boolean;
  readonly isTTY?: boolean;
  once?(event: "drain", listener: () => void): unknown;
}

/** What the CLI talks to; tests pass fakes. */
export interface CliIo {
  readonly stdout: CliOutput;
  readonly stderr: CliOutput;
  /** Read for the file name `-`. */
  readonly stdin?: AsyncIterable<Uint8Array | string>;
  /** Environment (NO_COLOR). Defaults to none. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const HELP = `Usage: uwsgi-codec decode FILE [options]

Decodes the uwsgi requests and answers in FILE: a pcap or pcapng capture (sniffed by its magic
number, not its name), raw uwsgi bytes, or a hex dump of them. FILE "-" reads stdin.

Options:
  --port, -p N        a uwsgi server port (repeatable); without one, connections are
                      recognised by their first bytes (a whole, plausible uwsgi request)
  --heuristic         with --port, also recognise connections on other ports
  --no-heuristic      only the --port connections (needs --port)
  --json              one JSON object per exchange, one per line
  --vars NAME[,NAME]  show only these vars (repeatable)
  --body DIR          write bodies to DIR/<id>.request.bin and DIR/<id>.answer.bin
  --format F          auto (default), pcap, pcapng, raw or hex
  --color, --no-color colours (default: when stdout is a terminal and NO_COLOR is unset)
  --quiet, -q         no summary on stderr
  --help, -h          this text
  --version, -V       the version

Exit codes:
  0  every exchange decoded without error
  1  some exchange had decode errors or capture gaps, or the file is damaged after its start
  2  usage error
  3  the input cannot be read, or is not a capture, hex dump or uwsgi stream
  70 internal error (a bug: please report it)
`;

function version(): string {
  // src/cli and dist/cli are both two levels below the package root.
  const url = new URL("../../package.json", import.meta.url);
  try {
    const pkg = JSON.parse(readFileSync(url, "utf8")) as { version?: string };
    return pkg.version ?? "unknown";
  } catch {
    return "unknown";
  }
}

async function write(out: CliOutput, text: string): Promise<void> {
  if (!out.write(text) && out.once !== undefined) {
    await new Promise<void>((resolve) => out.once!("drain", resolve));
  }
}

const PROGRESS_MIN_BYTES = 16 * 1024 * 1024;
const PROGRESS_EVERY_MS = 200;

/**
 * Runs the CLI on `argv` (the arguments after the script name) and returns the exit code. Writes
 * only to `io`; never calls `process.exit`.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let req: CliRequest;
  try {
    req = parseCommandLine(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    await write(io.stderr, `uwsgi-codec: ${err.message}\n\n${HELP}`);
    return ExitCode.USAGE;
  }
  if (req.command === "help") {
    await write(io.stdout, HELP);
    return ExitCode.OK;
  }
  if (req.command === "version") {
    await write(io.stdout, `uwsgi-codec ${version()}\n`);
    return ExitCode.OK;
  }
  return decode(req, io);
}

async function decode(req: CliRequest, io: CliIo): Promise<number> {
  const noColor = (io.env?.["NO_COLOR"] ?? "") !== "";
  const palette = (req.color ?? (io.stdout.isTTY === true && !noColor)) ? COLOR : PLAIN;
  const stats = newStats();
  let source: string | AsyncIterable<Uint8Array | string>;
  let total = 0;
  if (req.file === "-") {
    if (io.stdin === undefined) {
      await write(io.stderr, "uwsgi-codec: no stdin to read\n");
      return ExitCode.NOT_A_CAPTURE;
    }
    source = io.stdin;
  } else {
    source = req.file;
    try {
      total = statSync(req.file).size;
    } catch {
      // decodeCapture reports the file's problem with its own error.
    }
  }
  let bodies: BodyFiles | null = null;
  if (req.bodyDir !== null) {
    try {
      bodies = new BodyFiles(req.bodyDir);
    } catch (err) {
      await write(io.stderr, `uwsgi-codec: --body ${req.bodyDir}: ${(err as Error).message}\n`);
      return ExitCode.USAGE;
    }
  }
  const progress = io.stderr.isTTY === true && total >= PROGRESS_MIN_BYTES;
  let lastProgress = 0;
  let shown = false;
  const onProgress = progress
    ? (n: number) => {
        const now = Date.now();
        if (now - lastProgress < PROGRESS_EVERY_MS) return;
        lastProgress = now;
        shown = true;
        const pct = Math.min(100, Math.floor((n / total) * 100));
        io.stderr.write(`\rreading ${pct}% (${(n / 1048576).toFixed(1)} MiB)`);
      }
    : undefined;
  const clearProgress = () => {
    if (shown) io.stderr.write("\r\u001b[K");
    shown = false;
  };
  let withErrors = 0;
  let exchanges = 0;
  let code: number = ExitCode.OK;
  try {
    const options = {
      stats,
      format: req.format,
      ...(req.ports.length > 0 ? { ports: req.ports } : {}),
      ...(req.heuristic !== undefined ? { heuristic: req.heuristic } : {}),
      ...(bodies !== null ? { onBody: bodies.write.bind(bodies) } : {}),
      ...(onProgress !== undefined ? { onProgress } : {}),
    };
    for await (const ex of decodeCapture(source, options)) {
      exchanges++;
      if (ex.errors.length > 0) withErrors++;
      bodies?.close(ex.id);
      clearProgress();
      await write(
        io.stdout,
        req.json ? renderJson(ex, req.vars) : `${renderHuman(ex, req.vars, palette)}\n`,
      );
    }
  } catch (err) {
    clearProgress();
    if (!(err instanceof CaptureError)) throw err;
    const fatal =
      err.code === "NOT_A_CAPTURE" ||
      err.code === "UNREADABLE" ||
      (stats.frames === 0 && exchanges === 0);
    await write(io.stderr, `uwsgi-codec: ${req.file}: ${err.message}\n`);
    code = fatal ? ExitCode.NOT_A_CAPTURE : ExitCode.DECODE_ERRORS;
  } finally {
    clearProgress();
    bodies?.closeAll();
  }
  if (code === ExitCode.OK && withErrors > 0) code = ExitCode.DECODE_ERRORS;
  if (!req.quiet && code !== ExitCode.NOT_A_CAPTURE) {
    const frames = stats.format === "pcap" || stats.format === "pcapng";
    const where = frames
      ? ` in ${stats.frames} frames, ${stats.connections} TCP connection(s) (${stats.uwsgiConnections} uwsgi)`
      : "";
    const lost = stats.gapBytes > 0 ? `, ${stats.gapBytes} byte(s) lost to gaps` : "";
    await write(
      io.stderr,
      `${exchanges} exchange(s), ${withErrors} with errors${where}${lost}; ${stats.format ?? "unknown"} input, ${stats.bytes} bytes\n`,
    );
  }
  return code;
}

/** True when `script` (argv[1]) is this module, also through an npm bin symlink. */
export function isEntryPoint(script: string | undefined): boolean {
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

/** The parts of `process` the program uses. */
export interface CliProcess {
  readonly argv: readonly string[];
  readonly stdout: CliOutput & { on(event: "error", listener: (err: Error) => void): unknown };
  readonly stderr: CliOutput;
  readonly stdin: AsyncIterable<Uint8Array | string>;
  readonly env: Readonly<Record<string, string | undefined>>;
  exitCode?: number | string | null | undefined;
  exit(code: number): never;
}

/** Runs the program on `proc` (the real `process` from the bin); resolves once it has set `exitCode`. */
export async function runCli(proc: CliProcess): Promise<void> {
  proc.stdout.on("error", (err: Error) => {
    // `uwsgi-codec decode big.pcap | head`: the reader went away; stop quietly.
    if ((err as NodeJS.ErrnoException).code === "EPIPE") proc.exit(ExitCode.OK);
    else throw err;
  });
  try {
    proc.exitCode = await main(proc.argv.slice(2), {
      stdout: proc.stdout,
      stderr: proc.stderr,
      stdin: proc.stdin,
      env: proc.env,
    });
  } catch (err) {
    proc.stderr.write(`uwsgi-codec: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
    proc.exitCode = ExitCode.INTERNAL;
  }
}

if (isEntryPoint(process.argv[1])) void runCli(process);
