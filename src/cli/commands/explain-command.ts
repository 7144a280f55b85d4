import { type Explanation, explainLogLine } from "../../tools/explain.js";
import { parseStrict, UsageError } from "../args.js";
import { type CliCommand, type CliIo, write } from "../io.js";

const HELP = `Usage: uwsgi-codec explain 'LOG LINE' ['LOG LINE'...] [options]
       uwsgi-codec explain - < error.log

Reads uWSGI's and nginx's error lines about uwsgi traffic and says what they mean: the block size
of "invalid request block size: 21573 (max 4096)" as bytes and text (0x5445 is "ET" of "GET ":
HTTP sent to the uwsgi socket), nginx's upstream errors (prematurely closed, reset, timed out,
too big), with what to change. "-" reads lines from stdin and explains those it knows.

Options:
      --json     one JSON object per line
  -h, --help     this text

Exit codes:
  0  every line was explained (with -: at least one)
  1  a line matched no rule
  2  usage error
`;

const OPTIONS = {
  help: { type: "boolean", short: "h" },
  json: { type: "boolean" },
} as const;

function render(line: string, e: Explanation): string {
  const parts = [`${e.source === "unknown" ? "?" : e.source}: ${e.summary}`];
  for (const d of e.details) parts.push(`  ${d}`);
  for (const a of e.advice) parts.push(`  -> ${a}`);
  return `${line.trim()}\n${parts.join("\n")}\n\n`;
}

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parseStrict(argv, OPTIONS);
  if (v.help === true) {
    await write(io.stdout, HELP);
    return 0;
  }
  if (positionals.length === 0)
    throw new UsageError("give a log line (quoted), or - to read stdin");
  let lines: string[] = positionals;
  const fromStdin = positionals.length === 1 && positionals[0] === "-";
  if (fromStdin) {
    let text = "";
    for await (const c of io.stdin ?? [])
      text += typeof c === "string" ? c : Buffer.from(c).toString("utf8");
    lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  }
  let unknown = 0;
  let known = 0;
  for (const line of lines) {
    const e = explainLogLine(line);
    if (e.kind === "UNKNOWN") {
      unknown++;
      if (fromStdin) continue;
    } else known++;
    await write(
      io.stdout,
      v.json === true ? `${JSON.stringify({ line, ...e })}\n` : render(line, e),
    );
  }
  if (fromStdin) return known > 0 ? 0 : 1;
  return unknown > 0 ? 1 : 0;
}

/** `uwsgi-codec explain`: uWSGI and nginx log lines in words. */
export const explainCommand: CliCommand = {
  summary: "explain uWSGI's and nginx's uwsgi error-log lines (block sizes, timeouts, resets)",
  help: HELP,
  run,
};
