import { parseArgs } from "node:util";
import type { InputFormat } from "../capture/session.js";

/** What the command line asked for. */
export interface CliRequest {
  readonly command: "decode" | "help" | "version";
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

/** A command line that cannot be run; the CLI prints the message and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

const FORMATS = ["auto", "pcap", "pcapng", "raw", "hex"];

/** Parses `argv` (without node and the script). Throws {@link UsageError}. */
export function parseCommandLine(argv: readonly string[]): CliRequest {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  const base = {
    file: "",
    json: values.json === true,
    vars: splitList(values.vars ?? []),
    bodyDir: values.body ?? null,
    ports: (values.port ?? []).map(portOf),
    heuristic:
      values.heuristic === true ? true : values["no-heuristic"] === true ? false : undefined,
    format: formatOf(values.format ?? "auto"),
    color: values.color === true ? true : values["no-color"] === true ? false : undefined,
    quiet: values.quiet === true,
  };
  if (values.help === true || positionals[0] === "help") return { ...base, command: "help" };
  if (values.version === true) return { ...base, command: "version" };
  if (positionals.length === 0)
    throw new UsageError("no command given (try: uwsgi-codec decode FILE)");
  if (positionals[0] !== "decode") throw new UsageError(`unknown command "${positionals[0]}"`);
  if (positionals.length < 2) throw new UsageError("decode needs a FILE (or - for stdin)");
  if (positionals.length > 2)
    throw new UsageError(`decode takes one FILE, got ${positionals.length - 1}`);
  if (base.heuristic === false && base.ports.length === 0) {
    throw new UsageError("--no-heuristic needs at least one --port");
  }
  return { ...base, command: "decode", file: positionals[1]! };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "V" },
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
    },
  });
}

function splitList(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    for (const name of v.split(",")) {
      const n = name.trim();
      if (n !== "") out.push(n);
    }
  }
  return out;
}

function portOf(text: string): number {
  const n = Number(text);
  if (!(Number.isInteger(n) && n >= 1 && n <= 65535) || text.trim() === "") {
    throw new UsageError(`--port ${text}: not a port number (1-65535)`);
  }
  return n;
}

function formatOf(text: string): InputFormat | "auto" {
  if (!FORMATS.includes(text)) {
    throw new UsageError(`--format ${text}: use one of ${FORMATS.join(", ")}`);
  }
  return text as InputFormat | "auto";
}
