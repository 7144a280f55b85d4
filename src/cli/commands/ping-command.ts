import { ping } from "../../client/ping.js";
import { parseStrict, UsageError } from "../args.js";
import { type CliCommand, type CliIo, write } from "../io.js";
import { addressOf, integerOf, millisOf } from "./common.js";

/** Exit codes of `uwsgi-codec ping`: those of `uwsgi --ping`. */
const PingExit = {
  /** A clean pong (with -c, at least one, and no pong carried a warning). */
  OK: 0,
  /** No pong at all: nothing listens, no answer in time, or the answer is not a pong. */
  NO_PONG: 1,
  /** A pong came with the server's warning message (also: a usage error). */
  WARNING: 2,
} as const;

const HELP = `Usage: uwsgi-codec ping ADDR [options]

Sends uwsgi pings (modifier1 100, as \`uwsgi --ping\`) and prints each pong's latency, as ping
does. ADDR is HOST:PORT, :PORT (127.0.0.1), uwsgi://HOST:PORT, or a unix socket's path. uWSGI
answers pings only with its ping plugin loaded (--plugin ping; built in to most builds).

Options:
  -c, --count N      pings to send (default 1, as uwsgi --ping)
  -i, --interval S   seconds between pings (default 1; also 200ms)
  -W, --timeout S    seconds to wait for each pong (default 3, as uwsgi --ping)
  -q, --quiet        only the summary
  -h, --help         this text

Exit codes (those of uwsgi --ping):
  0  a clean pong (with -c N: at least one, as ping; and no warning)
  1  no pong: nothing listens, nothing came back in time, or the answer is not a pong
  2  a pong carried the server's warning message (printed); also a usage error
`;

const OPTIONS = {
  help: { type: "boolean", short: "h" },
  count: { type: "string", short: "c" },
  interval: { type: "string", short: "i" },
  timeout: { type: "string", short: "W" },
  quiet: { type: "boolean", short: "q" },
} as const;

const ms = (n: number) => n.toFixed(3);

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parseStrict(argv, OPTIONS);
  if (v.help === true) {
    await write(io.stdout, HELP);
    return PingExit.OK;
  }
  if (positionals.length !== 1)
    throw new UsageError("give one address (HOST:PORT or a socket path)");
  const { label, ...address } = addressOf(positionals[0]!);
  const count = v.count === undefined ? 1 : integerOf("--count", v.count, 1, 1_000_000);
  const interval = v.interval === undefined ? 1000 : millisOf("--interval", v.interval);
  const timeout = v.timeout === undefined ? 3000 : millisOf("--timeout", v.timeout);
  const times: number[] = [];
  let warned = false;
  for (let seq = 1; seq <= count; seq++) {
    const started = performance.now();
    const r = await ping(address, { timeout });
    if (r.alive) {
      times.push(r.latencyMs);
      if (r.warning !== "") warned = true;
      if (v.quiet !== true) {
        const warning = r.warning === "" ? "" : ` warning: ${r.warning}`;
        await write(
          io.stdout,
          `pong from ${label}: seq=${seq} time=${ms(r.latencyMs)} ms${warning}\n`,
        );
      }
    } else if (v.quiet !== true) {
      await write(
        io.stdout,
        `no pong from ${label}: seq=${seq}: ${r.error?.message ?? "no answer"}\n`,
      );
    }
    const wait = interval - (performance.now() - started);
    if (seq < count && wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  const lost = count - times.length;
  let summary = `--- ${label} uwsgi ping ---\n${count} sent, ${times.length} pongs, ${Math.round((100 * lost) / count)}% lost\n`;
  if (times.length > 0) {
    const min = Math.min(...times);
    const max = Math.max(...times);
    const avg = times.reduce((a, b) => a + b, 0) / times.length;
    const mdev = Math.sqrt(times.reduce((a, b) => a + (b - avg) ** 2, 0) / times.length);
    summary += `rtt min/avg/max/mdev = ${ms(min)}/${ms(avg)}/${ms(max)}/${ms(mdev)} ms\n`;
  }
  await write(io.stdout, summary);
  if (times.length === 0) return PingExit.NO_PONG;
  return warned ? PingExit.WARNING : PingExit.OK;
}

/** `uwsgi-codec ping`: uwsgi --ping with a count and latencies. */
export const pingCommand: CliCommand = {
  summary: "ping a uwsgi server (modifier1 100) and show the latency; exit codes of uwsgi --ping",
  help: HELP,
  run,
};
