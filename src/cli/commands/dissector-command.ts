import { generateDissector, isPortRange } from "../../dissector/generate.js";
import { parseStrict, UsageError } from "../args.js";
import { type CliCommand, type CliIo, write } from "../io.js";

const HELP = `Usage: uwsgi-codec dissector [options] > uwsgi.lua

Writes a Wireshark dissector for uwsgi (a Lua plugin, Wireshark/tshark 4.0 and later) made from
this package's modifier registry: requests with their vars as filter fields (uwsgi.var.key,
uwsgi.var.value), bodies, HTTP and uwsgi-framed answers (ping, RPC, cache, signal, spooler),
subscriptions and cache sync over UDP, TCP reassembly, a heuristic for any port.

  tshark -X lua_script:uwsgi.lua -r capture.pcapng -Y uwsgi
  or copy uwsgi.lua to Wireshark's personal Lua plugins folder (Help > About > Folders)

Options:
      --tcp-ports RANGE  TCP ports dissected without the heuristic (default 3031), e.g. 3031,8000-8010
      --udp-ports RANGE  UDP ports of subscription and cache sync servers (default none)
  -h, --help             this text
`;

const OPTIONS = {
  help: { type: "boolean", short: "h" },
  "tcp-ports": { type: "string" },
  "udp-ports": { type: "string" },
} as const;

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parseStrict(argv, OPTIONS);
  if (v.help === true) {
    await write(io.stdout, HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const tcp = v["tcp-ports"];
  const udp = v["udp-ports"];
  for (const [option, value] of [
    ["--tcp-ports", tcp],
    ["--udp-ports", udp],
  ] as const) {
    if (value !== undefined && !isPortRange(value)) {
      throw new UsageError(`${option}: ports 1-65535 and ranges, like 3031,8000-8010`);
    }
  }
  const lua = generateDissector({
    ...(tcp === undefined ? {} : { tcpPorts: tcp }),
    ...(udp === undefined ? {} : { udpPorts: udp }),
  });
  await write(io.stdout, lua);
  return 0;
}

/** `uwsgi-codec dissector`: the Wireshark Lua dissector, generated. */
export const dissectorCommand: CliCommand = {
  summary: "write a Wireshark dissector for uwsgi (Lua), made from the modifier registry",
  help: HELP,
  run,
};
