// The generated dissector on rewritten captures (tshark 4.0): segments split at every offset of
// every header, segments merged so that several packets share one, a connection carrying several
// packets each way, captures that end inside a packet, and frames cut by a snap length. Never a
// Lua error (runTshark fails on one); the same exchanges as the capture as recorded, and as
// `uwsgi-codec decode --json` on the same rewritten file.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  encodeCacheAnswer,
  encodeCacheRequest,
  encodeRpcAnswer,
  encodeRpcCall,
} from "../../src/index.js";
import {
  type CapturedSegment,
  prng,
  readCapture,
  segmentsOf,
} from "../capture/support/fixtures.js";
import { recordsOf, writePcap } from "../capture/support/rewrite.js";
import { requireBinary } from "../interop/support/process.js";
import { decodedExchanges, decodeJson } from "./support/decode-view.js";
import { differences, writeDissector } from "./support/dissector-compare.js";
import { type DissectedExchange, dissection, runTshark } from "./support/dissector-view.js";
import { coalesce, connection, splitEverywhere } from "./support/segments.js";

let lua: string;
let dir: string;
const CHUNKED = "chunked/chunked.pcapng";
const PORTS: Record<string, number[]> = {
  "lo.pcapng": [44265],
  "packets.pcapng": [],
  [CHUNKED]: [],
};

beforeAll(() => {
  requireBinary("tshark", "tshark");
  lua = writeDissector();
  dir = mkdtempSync(join(tmpdir(), "uwsgi-codec-rewrites-"));
  const expected = JSON.parse(readCapture("packets-expected.json").toString()) as {
    ports: { uwsgi: number; nodeRpc: number };
  };
  PORTS["packets.pcapng"] = [expected.ports.uwsgi, expected.ports.nodeRpc];
  PORTS[CHUNKED] = [
    (JSON.parse(readCapture("chunked/expected.json").toString()) as { uwsgiPort: number })
      .uwsgiPort,
  ];
});

let written = 0;
function write(segments: readonly CapturedSegment[], cut?: number): string {
  const file = join(dir, `rewrite-${written++}.pcap`);
  let records = recordsOf(segments);
  if (cut !== undefined) {
    records = records.map((r) => ({
      ...r,
      data: r.data.subarray(0, cut),
      originalLength: r.data.length,
    }));
  }
  writeFileSync(file, writePcap(records, { linkType: 1 }));
  return file;
}

const exchangesOf = (file: string, options: string[] = []) =>
  dissection(runTshark(lua, file, options)).exchanges;

/** What must not change when only the segmentation changes. */
const shape = (list: readonly DissectedExchange[]) =>
  list.map(({ pending: _, ...rest }) => rest).sort((a, b) => a.client.localeCompare(b.client));

describe.each(["lo.pcapng", "packets.pcapng", CHUNKED])("%s rewritten", (name) => {
  const original = () => segmentsOf(readCapture(name));

  it("split at every offset of every segment's first 48 bytes, then anywhere", async () => {
    const whole = exchangesOf(write(original()));
    const rand = prng(name.length);
    const file = write(splitEverywhere(original(), 48, () => 1 + Math.floor(rand() * 700)));
    const split = exchangesOf(file);
    expect(shape(split)).toEqual(shape(whole));
    expect(differences(decodedExchanges(await decodeJson(file)), split)).toEqual([]);
  });

  it("merged: a direction's segments in one (several packets, a packet and its body)", async () => {
    const whole = exchangesOf(write(original()));
    const merged = coalesce(original());
    expect(merged.length).toBeLessThan(original().length);
    const file = write(merged);
    const got = exchangesOf(file);
    expect(shape(got)).toEqual(shape(whole));
    expect(differences(decodedExchanges(await decodeJson(file)), got)).toEqual([]);
  });

  it("a capture that ends inside a packet or a body, at many places", async () => {
    const ports = PORTS[name]!;
    const pieces = splitEverywhere(original(), 0, () => 40);
    const options = ["uwsgi.heuristic:FALSE", `uwsgi.tcp_ports:${ports.join(",")}`];
    const whole = new Map(exchangesOf(write(pieces), options).map((e) => [e.client, e]));
    // One cut inside the first request packet longer than a piece (the rest never comes), and
    // cuts at random places.
    const start = pieces.findIndex(
      (p, i) =>
        whole.has(`${p.src}:${p.srcPort}`) &&
        pieces.findIndex((q) => q.srcPort === p.srcPort && q.payload.length > 0) === i &&
        p.payload.length >= 4 &&
        p.payload.readUInt16LE(1) + 4 > 2 * 40,
    );
    expect(start).toBeGreaterThan(0);
    const rand = prng(7);
    const ends = [
      start + 1,
      ...Array.from({ length: 3 }, () => 1 + Math.floor(rand() * (pieces.length - 1))),
    ];
    let partial = 0;
    for (const end of ends) {
      const file = write(pieces.slice(0, end));
      const cut = exchangesOf(file, options);
      for (const ex of cut) {
        const full = whole.get(ex.client)!;
        if (ex.partial) partial++;
        // What was seen of each exchange is what the whole capture shows of it, up to the end.
        expect([ex.modifier1, ex.modifier2, ex.datasize]).toEqual([
          full.modifier1,
          full.modifier2,
          full.datasize,
        ]);
        if (!ex.partial && ex.vars !== null) expect(ex.vars).toEqual(full.vars);
        expect(ex.bodyLength).toBeLessThanOrEqual(full.bodyLength);
        if (full.chunked) {
          // A chunked body announces one chunk at a time: what is still to come is known only
          // up to the end of the chunk being read, never the body's.
          expect(ex.chunks).toEqual(full.chunks.slice(0, ex.chunks.length));
          expect(ex.bodyRemaining).toBeLessThanOrEqual(full.bodyLength - ex.bodyLength);
        } else if (ex.bodyLength < full.bodyLength)
          expect(ex.bodyRemaining).toBe(full.bodyLength - ex.bodyLength);
      }
      const args = [...ports.flatMap((p) => ["--port", String(p)]), "--no-heuristic"];
      const decoded = decodedExchanges(await decodeJson(file, args));
      // The same, with decode --json on the cut file.
      for (const d of decoded) {
        const x = cut.find((e) => e.client === d.client);
        expect(x, `${d.client} is in the dissection`).toBeDefined();
        expect([x!.modifier1, x!.modifier2, x!.datasize, x!.vars, x!.bodyLength]).toEqual([
          d.modifier1,
          d.modifier2,
          d.datasize,
          d.vars,
          d.bodyLength,
        ]);
        // A request cut inside its packet: both show its header, decode --json with TRUNCATED.
        if (x!.partial) expect(d.errors).toContain("TRUNCATED");
      }
    }
    expect(partial).toBeGreaterThan(0);
  });

  it("frames cut to 80 bytes by a snap length: each packet's header, TRUNCATED, no Lua error", () => {
    const whole = new Map(exchangesOf(write(original())).map((e) => [e.client, e]));
    const cut = exchangesOf(write(original(), 80));
    expect(cut.length).toBeGreaterThan(0);
    let truncated = 0;
    for (const ex of cut) {
      const full = whole.get(ex.client)!;
      expect([ex.modifier1, ex.modifier2, ex.datasize]).toEqual([
        full.modifier1,
        full.modifier2,
        full.datasize,
      ]);
      if (ex.errors.includes("TRUNCATED")) truncated++;
    }
    expect(truncated).toBeGreaterThan(0);
  });
});

describe("hostile bytes on a uwsgi port", () => {
  it("random and mutated packets, whole or cut: shown as far as they go, never a Lua error", () => {
    const rand = prng(2026);
    const bytes = (n: number) =>
      Buffer.from(Array.from({ length: n }, () => Math.floor(rand() * 256)));
    const real = [
      encodeRpcCall("hello", ["a"]),
      encodeCacheRequest({ command: "set", key: "k", value: Buffer.from("v") }),
      Buffer.from("000600000100410100 31".replace(/ /g, ""), "hex"),
      encodeCacheAnswer({ value: Buffer.from("v1") }),
      encodeRpcAnswer(Buffer.alloc(70_000, 1)),
    ];
    const segments: CapturedSegment[] = [];
    for (let i = 0; i < 60; i++) {
      const base = real[i % real.length]!;
      const mutate = (b: Uint8Array) => {
        const out = Buffer.from(b);
        for (let k = 0; k < 1 + Math.floor(rand() * 4); k++)
          out[Math.floor(rand() * out.length)] = Math.floor(rand() * 256);
        return out.subarray(0, Math.max(1, Math.floor(rand() * (out.length + 8))));
      };
      const request = i % 3 === 0 ? bytes(1 + Math.floor(rand() * 80)) : mutate(base);
      const answer =
        i % 2 === 0 ? bytes(Math.floor(rand() * 80)) : mutate(real[(i + 3) % real.length]!);
      segments.push(
        ...connection(20000 + i, 3031, request, answer.length > 0 ? answer : Buffer.of(0), i),
      );
    }
    const file = write(splitEverywhere(segments, 6, () => 1 + Math.floor(rand() * 40)));
    // runTshark fails on any Lua error, in the tree or on stderr.
    const byPort = new Set(exchangesOf(file).map((e) => e.client));
    expect(byPort.size).toBe(60);
    // The heuristic takes only streams whose first sender looks like a client.
    const guessed = new Set(exchangesOf(file, ["uwsgi.tcp_ports:"]).map((e) => e.client));
    for (const client of guessed) expect(byPort.has(client)).toBe(true);
  });
});

describe("several packets each way on one connection, in one segment", () => {
  it("every packet and every answer is shown, in order", () => {
    const request = Buffer.concat([
      Buffer.from("64000000", "hex"),
      Buffer.from("64000000", "hex"),
      encodeRpcCall("hello", ["a"]),
      encodeCacheRequest({ command: "get", key: "k" }),
    ]);
    const answer = Buffer.concat([
      Buffer.from("64000001", "hex"),
      Buffer.from("64000001", "hex"),
      encodeRpcAnswer(Buffer.from("abc")),
      encodeCacheAnswer({ value: Buffer.from("v1") }),
    ]);
    const file = write(connection(40000, 3031, request, answer, 1));
    const frames = runTshark(lua, file);
    const packets: string[] = [];
    for (const f of frames) {
      const layers = (f["_source"] as Record<string, Record<string, unknown>>)["layers"]!;
      const nodes = layers["uwsgi"];
      for (const n of (Array.isArray(nodes) ? nodes : [nodes]) as Record<string, string>[]) {
        if (n === undefined) continue;
        const what =
          n["uwsgi.modifier1"] === undefined
            ? `data ${n["uwsgi.answer.length"]}`
            : `${n["uwsgi.modifier1"]}/${n["uwsgi.modifier2"]}/${n["uwsgi.datasize"]}`;
        packets.push(`${n["uwsgi.direction"] === "0" ? ">" : "<"} ${what}`);
      }
    }
    expect(packets).toEqual([
      "> 100/0/0",
      "> 100/0/0",
      "> 173/0/10",
      "> 111/17/18",
      "< 100/1/0",
      "< 100/1/0",
      "< 173/0/3",
      "< 111/17/21",
      "< data 2",
    ]);
  });
});
