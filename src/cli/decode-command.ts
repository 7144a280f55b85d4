import { statSync } from "node:fs";
import type { DecodeCaptureOptions } from "../capture/capture-options.js";
import { decodeCapture } from "../capture/decode-capture.js";
import { CaptureError } from "../capture/errors.js";
import type { CapturedExchange } from "../capture/exchange.js";
import { type CaptureStats, type InputFormat, newStats } from "../capture/session.js";
import { oneOf, parseStrict, portOf, splitList, UsageError } from "./args.js";
import { BodyFiles, BodyWriteError } from "./body-files.js";
import { type CliCommand, type CliIo, ExitCode, write } from "./io.js";
import { COLOR, PLAIN, renderHuman, renderJson } from "./render.js";

const HELP = `Usage: uwsgi-codec decode FILE [options]

Decodes the uwsgi requests and answers in FILE: a pcap or pcapng capture (sniffed by its magic
number, not its name), raw uwsgi bytes, or a hex dump of them. FILE "-" reads stdin.

Options:
  --port, -p N        a uwsgi server port (repeatable); without one, connections are
                      recognised by their first bytes (a whole, plausible uwsgi request)
  --heuristic         with --port, also recognise connections on other ports
  --no-heuristic      only the --port connections (the default with --port)
  --json              one JSON object per exchange, one per line
  --vars NAME[,NAME]  show only these vars (repeatable; names as sent, e.g. REQUEST_URI)
  --body DIR          write bodies to DIR/<id>.request.bin and DIR/<id>.answer.bin
                      (bytes the capture lost are holes in the files)
  --format F          auto (default), pcap, pcapng, raw or hex
  --color, --no-color colours (default: when stdout is a terminal and NO_COLOR is unset)
  --quiet, -q         no summary on stderr
  --help, -h          this text

Exit codes:
  0  every exchange decoded without error
  1  some exchange had decode errors or capture gaps, or the file is damaged after its start
  2  usage error
  3  the input cannot be read, or is not a capture, hex dump or uwsgi stream
  4  a --body file could not be written
  70 internal error (a bug: please report it)
`;

const FORMATS = ["auto", "pcap", "pcapng", "raw", "hex"] as const;

/** What `decode`'s command line asked for. */
export interface DecodeRequest {
  readonly help: boolean;
  readonly file: string;
  readonly json: boolean;
  /** Var names to show (all when empty). */
  readonly vars: readonly string[];
  readonly bodyDir: string | null;
  readonly ports: readonly number[];
  readonly heuristic: boolean | undefined;
  readonly format: InputFormat | "auto";
  readonly color: boolean | undefined;
  readonly quiet: boolean;
}

/** Parses `decode`'s arguments (after the command name). Throws {@link UsageError}. */
function parseDecode(argv: readonly string[]): DecodeRequest {
  const { values, positionals } = parseStrict(argv, {
    help: { type: "boolean", short: "h" },
    json: { type: "boolean" },
    vars: { type: "string", multiple: true },
    body: { type: "string" },
    port: { type: "string", short: "p", multiple: true },
    heuristic: { type: "boolean" },
    "no-heuristic": { type: "boolean" },
    format: { type: "string" },
    color: { type: "boolean" },
    "no-color": { type: "boolean" },
    quiet: { type: "boolean", short: "q" },
  });
  const request: DecodeRequest = {
    help: values.help === true,
    file: positionals[0] ?? "",
    json: values.json === true,
    vars: splitList(values.vars ?? []),
    bodyDir: values.body ?? null,
    ports: (values.port ?? []).map((p) => portOf("--port", p)),
    heuristic:
      values.heuristic === true ? true : values["no-heuristic"] === true ? false : undefined,
    format: oneOf("--format", values.format ?? "auto", FORMATS),
    color: values.color === true ? true : values["no-color"] === true ? false : undefined,
    quiet: values.quiet === true,
  };
  if (request.help) return request;
  if (positionals.length === 0) throw new UsageError("decode needs a FILE (or - for stdin)");
  if (positionals.length > 1) {
    throw new UsageError(`decode takes one FILE, got ${positionals.length}`);
  }
  if (request.heuristic === false && request.ports.length === 0) {
    throw new UsageError("--no-heuristic needs at least one --port");
  }
  return request;
}

const PROGRESS_MIN_BYTES = 16 * 1024 * 1024;
const PROGRESS_EVERY_MS = 200;

/** Shows "reading 42% (12.3 MiB)" on a terminal stderr for large files, and clears it. */
class Progress {
  readonly #io: CliIo;
  readonly #total: number;
  #last = 0;
  #shown = false;
  constructor(io: CliIo, total: number) {
    this.#io = io;
    this.#total = total;
  }
  get wanted(): boolean {
    return this.#io.stderr.isTTY === true && this.#total >= PROGRESS_MIN_BYTES;
  }
  show(bytes: number): void {
    const now = Date.now();
    if (now - this.#last < PROGRESS_EVERY_MS) return;
    this.#last = now;
    this.#shown = true;
    const pct = Math.min(100, Math.floor((bytes / this.#total) * 100));
    this.#io.stderr.write(`\rreading ${pct}% (${(bytes / 1048576).toFixed(1)} MiB)`);
  }
  clear(): void {
    if (this.#shown) this.#io.stderr.write("\r\u001b[K");
    this.#shown = false;
  }
}

/** Which `--vars` names no exchange had, for a hint at the end. */
class VarsSeen {
  readonly #wanted: readonly string[];
  readonly #found = new Set<string>();
  // Names seen that differ from a wanted one only in case, for "did you mean".
  readonly #near = new Map<string, string>();
  constructor(wanted: readonly string[]) {
    this.#wanted = wanted;
  }
  note(ex: CapturedExchange): void {
    const vars = ex.vars;
    if (vars === null || this.#found.size === this.#wanted.length) return;
    for (const name of this.#wanted) {
      if (this.#found.has(name)) continue;
      if (vars.has(name)) {
        this.#found.add(name);
        continue;
      }
      if (this.#near.has(name)) continue;
      const lower = name.toLowerCase();
      for (const key of vars.keys()) {
        if (key.toLowerCase() === lower) this.#near.set(name, key);
      }
    }
  }
  /** One line per name never seen, or "". */
  hints(exchanges: number): string {
    if (exchanges === 0) return "";
    let out = "";
    for (const name of this.#wanted) {
      if (this.#found.has(name)) continue;
      const near = this.#near.get(name);
      const tip = near === undefined ? "" : `; did you mean ${near}? (names are case-sensitive)`;
      out += `uwsgi-codec: --vars ${name}: no exchange has this var${tip}\n`;
    }
    return out;
  }
}

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const req = parseDecode(argv);
  if (req.help) {
    await write(io.stdout, HELP);
    return ExitCode.OK;
  }
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
      throw new UsageError(`--body ${req.bodyDir}: ${(err as Error).message}`);
    }
  }
  const progress = new Progress(io, total);
  const seen = new VarsSeen(req.vars);
  const options: DecodeCaptureOptions = {
    stats,
    format: req.format,
    digest: true,
    ...(req.ports.length > 0 ? { ports: req.ports } : {}),
    ...(req.heuristic !== undefined ? { heuristic: req.heuristic } : {}),
    ...(bodies !== null ? { onBody: bodies.write.bind(bodies) } : {}),
    ...(progress.wanted ? { onProgress: progress.show.bind(progress) } : {}),
  };
  let withErrors = 0;
  let exchanges = 0;
  let code: number = ExitCode.OK;
  try {
    for await (const ex of decodeCapture(source, options)) {
      exchanges++;
      if (ex.errors.length > 0) withErrors++;
      seen.note(ex);
      bodies?.close(ex.id, ex.body.length + ex.body.missing, answerSize(ex));
      progress.clear();
      await write(
        io.stdout,
        req.json ? renderJson(ex, req.vars) : `${renderHuman(ex, req.vars, palette)}\n`,
      );
    }
  } catch (err) {
    progress.clear();
    if (err instanceof BodyWriteError) {
      await write(io.stderr, `uwsgi-codec: cannot write a body: ${err.message}\n`);
      return ExitCode.OUTPUT;
    }
    if (!(err instanceof CaptureError)) throw err;
    const fatal =
      err.code === "NOT_A_CAPTURE" ||
      err.code === "UNREADABLE" ||
      (stats.frames === 0 && exchanges === 0);
    const what = err.code === "UNREADABLE" ? "cannot read it" : err.code;
    await write(io.stderr, `uwsgi-codec: ${req.file}: ${what}: ${err.message}\n`);
    code = fatal ? ExitCode.NOT_A_CAPTURE : ExitCode.DECODE_ERRORS;
  } finally {
    progress.clear();
    bodies?.closeAll();
  }
  if (code === ExitCode.OK && withErrors > 0) code = ExitCode.DECODE_ERRORS;
  if (code !== ExitCode.NOT_A_CAPTURE) {
    // Hints go out even with --quiet: they say why the output is empty.
    await write(io.stderr, seen.hints(exchanges) + nothingFound(req, stats, exchanges));
    if (!req.quiet) await write(io.stderr, summary(stats, exchanges, withErrors));
  }
  return code;
}

function answerSize(ex: CapturedExchange): number {
  const a = ex.answer;
  return a === null ? 0 : a.body.length + a.body.missing;
}

/** Why nothing came out, when nothing did: which connections look like uwsgi, and where. */
function nothingFound(req: DecodeRequest, stats: CaptureStats, exchanges: number): string {
  const capture = stats.format === "pcap" || stats.format === "pcapng";
  if (exchanges > 0 || !capture) return "";
  if (req.ports.length === 0) {
    return stats.connections === 0
      ? "uwsgi-codec: the capture holds no TCP connection\n"
      : `uwsgi-codec: none of the ${stats.connections} TCP connection(s) looks like uwsgi (a whole uwsgi request must be in it); if the server's port is known, try --port\n`;
  }
  const ports = req.ports.join(", ");
  const elsewhere = [...stats.uwsgiElsewhere].sort((a, b) => b[1] - a[1]);
  if (elsewhere.length === 0) {
    return `uwsgi-codec: no connection on port ${ports}, and none of the ${stats.connections} TCP connection(s) on other ports looks like uwsgi\n`;
  }
  const list = elsewhere.map(([port, n]) => `${port} (${n})`).join(", ");
  const count = elsewhere.reduce((n, [, c]) => n + c, 0);
  return `uwsgi-codec: no uwsgi exchange on port ${ports}; ${count} connection(s) on other ports look like uwsgi: ${list}; try --port ${elsewhere[0]![0]}, or --heuristic\n`;
}

function summary(stats: CaptureStats, exchanges: number, withErrors: number): string {
  const frames = stats.format === "pcap" || stats.format === "pcapng";
  const where = frames
    ? ` in ${stats.frames} frames, ${stats.connections} TCP connection(s) (${stats.uwsgiConnections} uwsgi)`
    : "";
  const lost = stats.gapBytes > 0 ? `, ${stats.gapBytes} byte(s) lost to gaps` : "";
  return `${exchanges} exchange(s), ${withErrors} with errors${where}${lost}; ${stats.format ?? "unknown"} input, ${stats.bytes} bytes\n`;
}

/** `uwsgi-codec decode`. */
export const decodeCommand: CliCommand = {
  summary: "decode the uwsgi exchanges of a capture, raw uwsgi bytes or a hex dump",
  help: HELP,
  run,
};
