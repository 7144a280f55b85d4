import { probe } from "../../tools/probe.js";
import { parseStrict, UsageError } from "../args.js";
import { type CliCommand, type CliIo, write } from "../io.js";
import { addressOf, millisOf } from "./common.js";

const HELP = `Usage: uwsgi-codec probe ADDR [options]

Asks a running uwsgi server what it accepts, with harmless requests, and says what that means
for nginx in front of it: whether it answers a ping; the largest request block it reads (its
--buffer-size, found by bisection with modifier1 100 packets, which never reach the app: about
17 connections); with --app, the most vars a request may carry and whether a chunked body is
answered (HEAD and small POST requests to --path, which do reach the app).
ADDR is HOST:PORT, :PORT, uwsgi://HOST:PORT or a unix socket's path.

Options:
      --app          also send requests that reach the application (for the vars limit and
                     chunked input)
      --path PATH    the path of those requests (default /)
  -W, --timeout S    seconds to wait for each answer (default 3)
      --json         the report as one JSON object
  -h, --help         this text

Exit codes:
  0  the server read uwsgi packets (the report says the rest)
  1  it read no packet at all: not reachable, or not a uwsgi socket
  2  usage error
`;

const OPTIONS = {
  help: { type: "boolean", short: "h" },
  app: { type: "boolean" },
  path: { type: "string" },
  timeout: { type: "string", short: "W" },
  json: { type: "boolean" },
} as const;

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parseStrict(argv, OPTIONS);
  if (v.help === true) {
    await write(io.stdout, HELP);
    return 0;
  }
  if (positionals.length !== 1)
    throw new UsageError("give one address (HOST:PORT or a socket path)");
  const { label, ...address } = addressOf(positionals[0]!);
  const path = v.path ?? "/";
  if (!path.startsWith("/")) throw new UsageError(`--path ${path}: must start with /`);
  const report = await probe(address, {
    app: v.app === true,
    path,
    timeout: v.timeout === undefined ? 3000 : millisOf("--timeout", v.timeout),
  });
  if (v.json === true) {
    await write(io.stdout, `${JSON.stringify({ address: label, ...report })}\n`);
  } else {
    const lines = [
      `${label}`,
      `  ping         ${report.ping.alive ? `pong in ${report.ping.latencyMs.toFixed(3)} ms${report.ping.warning === "" ? "" : ` (warning: ${report.ping.warning})`}` : "no pong"}`,
      `  buffer-size  ${report.bufferSize === null ? "nothing read" : `${report.bufferSize} bytes of vars (${report.bufferSizeProbes} probes)`}`,
    ];
    if (report.maxVars !== null) lines.push(`  max vars     ${report.maxVars}`);
    if (report.chunked !== null) {
      lines.push(
        `  chunked      ${report.chunked.status === null ? "no answer" : `answered ${report.chunked.status}`}`,
      );
    }
    lines.push("", ...report.advice.map((a) => `- ${a}`), "");
    await write(io.stdout, lines.join("\n"));
  }
  return report.bufferSize === null ? 1 : 0;
}

/** `uwsgi-codec probe`: what a running uwsgi server accepts, in words. */
export const probeCommand: CliCommand = {
  summary:
    "find a uwsgi server's buffer-size (and vars limit, chunked input) and say what it means",
  help: HELP,
  run,
};
