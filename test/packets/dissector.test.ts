// The generated Wireshark dissector (uwsgi-codec dissector), run by the real tshark 4.0 on every
// capture in fixtures/captures: it shows the same exchanges as `uwsgi-codec decode --json`
// (modifiers, vars, payloads, body lengths, answers), frames the special packets' answers as
// uWSGI does (checked against the stream's bytes read by the codec), and its tables are the
// registry's.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { answerFramingOf, requestTrailerOf } from "../../src/codec/answer-framing.js";
import { decodeSubscription } from "../../src/codec/subscription.js";
import { generateDissector } from "../../src/dissector/generate.js";
import { luaString } from "../../src/dissector/lua-tables.js";
import { decodeCachePacket, modifierInfo, payloadKindOf } from "../../src/index.js";
import { CAPTURES } from "../capture/support/fixtures.js";
import { requireBinary } from "../interop/support/process.js";
import { decodedExchanges, decodeJson } from "./support/decode-view.js";
import {
  answerTruth,
  differences,
  streamBytes,
  writeDissector,
} from "./support/dissector-compare.js";
import { type Dissection, dissection, runTshark } from "./support/dissector-view.js";

const CHUNKED = "chunked/chunked.pcapng";
const FILES = [...readdirSync(CAPTURES).filter((f) => /\.pcap(ng)?$/.test(f)), CHUNKED];
const PACKETS = join(CAPTURES, "packets.pcapng");
const PORTS = JSON.parse(readFileSync(join(CAPTURES, "packets-expected.json"), "utf8")).ports as {
  uwsgi: number;
  nodeRpc: number;
};
const LO_PORT = (
  JSON.parse(readFileSync(join(CAPTURES, "expected.json"), "utf8")) as { uwsgiPort: number }
).uwsgiPort;
const CHUNKED_EXPECTED = JSON.parse(
  readFileSync(join(CAPTURES, "chunked/expected.json"), "utf8"),
) as {
  uwsgiPort: number;
  requests: { path: string; body_length: number | null; wire_length: number }[];
};
/** The uwsgi server ports of a capture, as decode --port and uwsgi.tcp_ports take them. */
const portsOf = (file: string): number[] =>
  file.startsWith("packets")
    ? [PORTS.uwsgi, PORTS.nodeRpc]
    : file === CHUNKED
      ? [CHUNKED_EXPECTED.uwsgiPort]
      : [LO_PORT];

let lua: string;
const dissections = new Map<string, Dissection>();
const dissect = (file: string): Dissection => {
  let d = dissections.get(file);
  if (d === undefined) {
    d = dissection(runTshark(lua, join(CAPTURES, file)));
    dissections.set(file, d);
  }
  return d;
};

beforeAll(() => {
  requireBinary("tshark", "tshark");
  lua = writeDissector();
});

describe("the generated dissector", () => {
  it("uwsgi-codec dissector prints exactly what generateDissector returns", async () => {
    let out = "";
    const io = {
      stdout: {
        write: (t: string | Uint8Array) => {
          out += t;
          return true;
        },
      },
      stderr: { write: () => true },
    };
    expect(await main(["dissector"], io)).toBe(0);
    expect(out).toBe(generateDissector());
    out = "";
    expect(await main(["dissector", "--tcp-ports", "3031,8000-8002"], io)).toBe(0);
    expect(out).toContain('local TCP_PORTS = "3031,8000-8002"');
    expect(await main(["dissector", "--tcp-ports", "99999"], io)).toBe(2);
    expect(await main(["dissector", "--udp-ports", "5-1"], io)).toBe(2);
    expect(await main(["dissector", "extra"], io)).toBe(2);
    out = "";
    expect(await main(["dissector", "--help"], io)).toBe(0);
    expect(out).toMatch(/^Usage: uwsgi-codec dissector/);
    expect(luaString('a"b\\c\u00e9\u0100\n')).toBe('"a\\"b\\\\c\\233?\\010"');
    expect(() => generateDissector({ udpPorts: "x" })).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_ARG_VALUE" }),
    );
  });

  it("its tables are the registry's: names, payload kinds, answers and trailers for all 65536 modifier pairs", () => {
    const text = generateDissector();
    const table = (name: string): Map<number, string | Map<number, string>> => {
      const line = text.split("\n").find((l) => l.startsWith(`local ${name} = `))!;
      const out = new Map<number, string | Map<number, string>>();
      const body = line.slice(line.indexOf("{") + 1, line.lastIndexOf("}"));
      for (const m of body.matchAll(/\[(\d+)\] = (\{[^}]*\}|"(?:[^"\\]|\\.)*")/g)) {
        const value = m[2]!;
        if (value.startsWith("{")) {
          const inner = new Map<number, string>();
          for (const n of value.matchAll(/\[(\d+)\] = "([^"]*)"/g)) inner.set(Number(n[1]), n[2]!);
          out.set(Number(m[1]), inner);
        } else out.set(Number(m[1]), value.slice(1, -1));
      }
      return out;
    };
    const lookup = (name: string) => {
      const base = table(name);
      const byM2 = table(`${name}_M2`);
      return (m1: number, m2: number) =>
        ((byM2.get(m1) as Map<number, string> | undefined)?.get(m2) ?? base.get(m1)) as string;
    };
    const names = table("M1_NAMES");
    const kind = lookup("KIND");
    const answer = lookup("ANSWER");
    const trailer = lookup("TRAILER");
    for (let m1 = 0; m1 < 256; m1++) {
      const info = modifierInfo(m1);
      expect(names.get(m1)).toBe(info.known ? info.name : undefined);
      if (!info.known) continue;
      for (let m2 = 0; m2 < 256; m2++) {
        expect(kind(m1, m2)).toBe(payloadKindOf(m1, m2));
        expect(answer(m1, m2)).toBe(answerFramingOf(m1, m2));
        expect(trailer(m1, m2)).toBe(requestTrailerOf(m1, m2));
      }
    }
  });

  it("tshark loads it: its fields filter and its preferences are taken", () => {
    // tshark refuses a filter naming a field nobody registered, and an unknown preference.
    const fields = [
      "uwsgi.direction",
      "uwsgi.modifier1",
      "uwsgi.modifier2",
      "uwsgi.datasize",
      "uwsgi.var.key",
      "uwsgi.var.value",
      "uwsgi.item",
      "uwsgi.body.length",
      "uwsgi.body.chunked",
      "uwsgi.body.decoded_length",
      "uwsgi.body.chunks",
      "uwsgi.chunk.size",
      "uwsgi.chunk.extension",
      "uwsgi.chunk.data",
      "uwsgi.chunk.trailer",
      "uwsgi.unframed",
      "uwsgi.http.status",
      "uwsgi.http.header.name",
      "uwsgi.rpc.function",
      "uwsgi.cache.command",
      "uwsgi.cache.key",
      "uwsgi.signal",
      "uwsgi.status",
      "uwsgi.subscription.key",
      "uwsgi.error",
      "uwsgi.partial",
      "uwsgi.remaining",
    ];
    const run = (filter: string, prefs: string[] = []) =>
      spawnSync(
        "tshark",
        [
          "-n",
          "-X",
          `lua_script:${lua}`,
          ...prefs.flatMap((p) => ["-o", p]),
          "-r",
          PACKETS,
          "-Y",
          filter,
        ],
        { encoding: "utf8" },
      );
    const ok = run(fields.join(" || "), [
      "uwsgi.tcp_ports:3031,8000-8002",
      "uwsgi.udp_ports:",
      "uwsgi.heuristic:TRUE",
    ]);
    expect([ok.status, ok.stderr.replace(/^Running as user.*\n/m, "")]).toEqual([0, ""]);
    expect(run("uwsgi.nosuch").status).not.toBe(0);
    expect(run("uwsgi", ["uwsgi.nosuch:1"]).status).not.toBe(0);
  });
});

describe.each(FILES)("%s: the dissector shows what decode --json shows", (file) => {
  it("with the heuristic on both sides", async () => {
    const decoded = decodedExchanges(await decodeJson(join(CAPTURES, file)));
    const { exchanges } = dissect(file);
    expect(decoded.length).toBeGreaterThan(0);
    expect(differences(decoded, exchanges)).toEqual([]);
  });

  it("with the server port given (decode --port, -o uwsgi.tcp_ports) and no heuristic", async () => {
    const ports = portsOf(file);
    const args = [...ports.flatMap((p) => ["--port", String(p)]), "--no-heuristic"];
    const decoded = decodedExchanges(await decodeJson(join(CAPTURES, file), args));
    const { exchanges } = dissection(
      runTshark(lua, join(CAPTURES, file), [
        "uwsgi.heuristic:FALSE",
        `uwsgi.tcp_ports:${ports.join(",")}`,
      ]),
    );
    expect(differences(decoded, exchanges)).toEqual([]);
  });
});

describe("chunked/chunked.pcapng: chunked request bodies (uWSGI's http router, --http-chunked-input)", () => {
  it("each upload shows its chunks and decoded length as expected.json and decode --json have them", async () => {
    const decoded = decodedExchanges(await decodeJson(join(CAPTURES, CHUNKED)));
    const { exchanges } = dissect(CHUNKED);
    const uri = (vars: [string, string][] | null) => vars?.find(([k]) => k === "REQUEST_URI")?.[1];
    expect(exchanges.map((e) => uri(e.vars))).toEqual(CHUNKED_EXPECTED.requests.map((r) => r.path));
    for (const [i, want] of CHUNKED_EXPECTED.requests.entries()) {
      const x = exchanges[i]!;
      const d = decoded.find((e) => e.client === x.client)!;
      expect({ chunked: x.chunked, errors: x.errors, body: x.bodyLength }).toEqual({
        chunked: true,
        errors: d.errors,
        body: d.bodyLength,
      });
      if (want.body_length === null) {
        // "5\r\nhello\r\nzz\r\n...": the first chunk, then a size that is not hex.
        expect([x.errors, x.bodyLength, x.decodedLength]).toEqual([["INVALID_CHUNK"], 5, null]);
      } else {
        expect([x.bodyLength, x.decodedLength]).toEqual([want.body_length, want.body_length]);
      }
    }
    expect(exchanges.map((e) => e.chunks)).toEqual([
      [1, 1000, 16384, 7, 47392 - 1 - 1000 - 16384 - 7, 0],
      [20, 0],
      [0],
      [5, 24, 0],
      [5],
    ]);
    expect(exchanges[3]!.trailers).toEqual(["X-Trailer: yes"]);
  });

  it("the decoded length filters: uwsgi.body.decoded_length, uwsgi.body.chunked", () => {
    const run = spawnSync(
      "tshark",
      [
        "-n",
        "-X",
        `lua_script:${lua}`,
        "-r",
        join(CAPTURES, CHUNKED),
        "-Y",
        "uwsgi.body.decoded_length > 20",
      ].concat(["-T", "fields", "-e", "uwsgi.body.decoded_length"]),
      { encoding: "utf8" },
    );
    expect(
      run.stdout
        .split("\n")
        .filter((l) => l !== "")
        .sort(),
    ).toEqual(["29", "47392"]);
    const chunked = spawnSync(
      "tshark",
      ["-n", "-X", `lua_script:${lua}`, "-r", join(CAPTURES, CHUNKED), "-Y", "uwsgi.body.chunked"],
      { encoding: "utf8" },
    );
    expect(chunked.stdout.split("\n").filter((l) => l !== "").length).toBeGreaterThanOrEqual(5);
  });
});

describe("packets.pcapng: answers framed as uWSGI frames them", () => {
  it("each answer is what the stream's bytes, read by the codec, say it is", () => {
    const { exchanges } = dissect("packets.pcapng");
    const streams = streamBytes(PACKETS);
    let checked = 0;
    for (const ex of exchanges) {
      const bytes = streams.get(ex.client);
      if (bytes === undefined) throw new Error(`no stream for ${ex.client}`);
      if (answerFramingOf(ex.modifier1, ex.modifier2) === "http") continue;
      expect({ client: ex.client, answer: ex.answer }).toEqual({
        client: ex.client,
        answer: answerTruth(ex.modifier1, ex.modifier2, bytes.answer),
      });
      checked++;
    }
    // RPC (framed, over 64 KiB, raw, none), cache (magic, simple), signal, spooler, echo, ping.
    expect(checked).toBeGreaterThanOrEqual(18);
  });

  it("uWSGI's own remote cache client sends size twice (core/cache.c), as captured", () => {
    const { exchanges } = dissect("packets.pcapng");
    const own = exchanges.find(
      (e) => e.modifier1 === 111 && e.vars?.filter(([k]) => k === "size").length === 2,
    );
    expect(own?.vars).toEqual([
      ["cmd", "set"],
      ["key", "r1"],
      ["size", "6"],
      ["size", "6"],
      ["cache", "shared"],
    ]);
    expect(own?.bodyLength).toBe(6);
  });

  it("a cache set's value after the packet is shown as the request's value", () => {
    const { exchanges } = dissect("packets.pcapng");
    const sets = exchanges.filter(
      (e) => e.modifier1 === 111 && e.modifier2 === 17 && e.vars?.some(([k]) => k === "size"),
    );
    expect(sets.length).toBeGreaterThanOrEqual(2);
    for (const set of sets)
      expect(set.bodyLength).toBe(Number(set.vars!.find(([k]) => k === "size")![1]));
  });

  it("datagrams: subscriptions as the router's codec reads them, and a cache sync", () => {
    const { datagrams } = dissect("packets.pcapng");
    const raw = spawnSync(
      "tshark",
      ["-n", "-r", PACKETS, "-Y", "udp", "-T", "fields", "-e", "udp.srcport", "-e", "udp.payload"],
      { encoding: "utf8" },
    );
    const payloads = raw.stdout
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => {
        const [port, hex] = l.split("\t");
        return { port: Number(port), bytes: Buffer.from(hex!.replace(/:/g, ""), "hex") };
      });
    expect(datagrams.length).toBe(payloads.length);
    const subscriptions = datagrams.filter((d) => d.modifier1 === 224);
    expect(subscriptions.length).toBeGreaterThanOrEqual(3);
    // uWSGI unsubscribes when it stops: the last announcement has modifier2 1.
    expect(subscriptions.at(-1)!.modifier2).toBe(1);
    for (const [i, d] of datagrams.entries()) {
      const { bytes, port } = payloads[i]!;
      expect(d.client.endsWith(`:${port}`)).toBe(true);
      if (d.modifier1 === 224) {
        const sub = decodeSubscription(bytes);
        expect(d.vars).toEqual([...sub.vars]);
        expect(d.modifier2 === 0 ? "subscribe" : "unsubscribe").toBe(sub.command);
      } else {
        const p = decodeCachePacket(bytes);
        expect(d.items).toEqual(
          [p.key, p.value, Buffer.from(String(p.expires))].map((b) =>
            Buffer.from(b!).toString("hex"),
          ),
        );
      }
      expect(d.errors).toEqual([]);
    }
  });
});
