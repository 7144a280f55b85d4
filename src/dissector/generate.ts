// Writes the Wireshark dissector for uwsgi (a Lua plugin) from the codec's own registry, so the
// two never disagree: `uwsgi-codec dissector > uwsgi.lua`. Pure: it returns text.

import { checkOptions, invalidArgType, invalidArgValue } from "../codec/arguments.js";
import { LUA_CHUNKED } from "./lua-chunked.js";
import { LUA_FIELDS } from "./lua-fields.js";
import { LUA_MAIN } from "./lua-main.js";
import { LUA_PACKET } from "./lua-packet.js";
import { LUA_STREAM } from "./lua-stream.js";
import { luaString, luaTables } from "./lua-tables.js";
import { LUA_WALK } from "./lua-walk.js";

/** Options of {@link generateDissector}. */
export interface DissectorOptions {
  /**
   * The TCP ports dissected as uwsgi without the heuristic (its "TCP ports" preference), a range
   * such as `"3031,8000-8010"`. Defaults to `"3031"`, the port of uWSGI's examples.
   */
  readonly tcpPorts?: string;
  /** The UDP ports of subscription and cache sync servers. Defaults to none (`""`). */
  readonly udpPorts?: string;
}

/** The defaults of {@link DissectorOptions}. */
export const DEFAULT_DISSECTOR_OPTIONS: Readonly<Required<DissectorOptions>> = Object.freeze({
  tcpPorts: "3031",
  udpPorts: "",
});

/** True when `text` is a port range preference: ports 1-65535 and ranges, comma-separated, or "". */
export function isPortRange(text: string): boolean {
  return (
    text === "" ||
    text.split(",").every((part) => {
      const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(part);
      if (m === null) return false;
      const lo = Number(m[1]);
      const hi = m[2] === undefined ? lo : Number(m[2]);
      return lo >= 1 && hi <= 65535 && lo <= hi;
    })
  );
}

function portRange(name: string, value: unknown): string {
  if (typeof value !== "string") throw invalidArgType(name, "of type string", value);
  if (!isPortRange(value)) {
    throw invalidArgValue(name, value, 'must be ports 1-65535 and ranges, like "3031,8000-8010"');
  }
  return value;
}

const HEAD = `-- uwsgi.lua: a Wireshark dissector for the uwsgi protocol (uWSGI, nginx uwsgi_pass), written
-- by uwsgi-codec (\`uwsgi-codec dissector > uwsgi.lua\`) from its modifier registry. Do not edit:
-- generate it again.
--
-- Load it: wireshark -X lua_script:uwsgi.lua capture.pcapng
--          tshark -X lua_script:uwsgi.lua -r capture.pcapng -Y uwsgi
-- or copy it to Wireshark's personal Lua plugins folder (Help > About Wireshark > Folders), e.g.
-- ~/.local/lib/wireshark/plugins/. Preferences (Edit > Preferences > Protocols > uwsgi, or
-- -o uwsgi.tcp_ports:3031): the TCP and UDP ports, and the heuristic that finds uwsgi on any port.
--
-- Filter fields: uwsgi.modifier1, uwsgi.modifier2, uwsgi.datasize, uwsgi.direction (0 request,
-- 1 answer), uwsgi.var.key, uwsgi.var.value, uwsgi.item, uwsgi.body.length, uwsgi.body.chunked,
-- uwsgi.body.decoded_length, uwsgi.chunk.size, uwsgi.chunk.data, uwsgi.chunk.trailer,
-- uwsgi.http.status, uwsgi.http.header.name, uwsgi.rpc.function, uwsgi.cache.command,
-- uwsgi.cache.key, uwsgi.signal, uwsgi.status, uwsgi.subscription.key, uwsgi.error (TRUNCATED, a
-- codec error code).
`;

/**
 * The Wireshark dissector for uwsgi, as Lua source (Wireshark 4.0 and later): TCP reassembly
 * (several packets per segment, packets over many segments), requests with their vars as a tree
 * and as filter fields, bodies (CONTENT_LENGTH bytes, or a chunked stream shown chunk by chunk with
 * its decoded length), HTTP and uwsgi-framed answers (ping, RPC, cache, signal, spooler),
 * subscriptions and cache sync datagrams over UDP, a heuristic and port preferences; captures cut
 * short are marked as such (`uwsgi.error == "TRUNCATED"`), never a Lua error.
 */
export function generateDissector(options?: DissectorOptions): string {
  let tcp = DEFAULT_DISSECTOR_OPTIONS.tcpPorts;
  let udp = DEFAULT_DISSECTOR_OPTIONS.udpPorts;
  if (options !== undefined) {
    checkOptions("generateDissector()", options, ["tcpPorts", "udpPorts"]);
    if (options.tcpPorts !== undefined) tcp = portRange("options.tcpPorts", options.tcpPorts);
    if (options.udpPorts !== undefined) udp = portRange("options.udpPorts", options.udpPorts);
  }
  return [
    HEAD,
    "\n",
    luaTables(),
    `local TCP_PORTS = ${luaString(tcp)}\n`,
    `local UDP_PORTS = ${luaString(udp)}\n\n`,
    LUA_FIELDS,
    LUA_WALK,
    LUA_PACKET,
    LUA_CHUNKED,
    LUA_STREAM,
    LUA_MAIN,
  ].join("");
}
