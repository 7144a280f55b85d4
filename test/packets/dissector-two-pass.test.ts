// The generated dissector dissects a frame again as Wireshark's GUI does (a click, a display
// filter, a reload) and as `tshark -2` does: every later pass shows each frame exactly as the
// first pass did, whatever the first pass left in the conversation's state. tshark 4.0 on every
// capture in fixtures/captures, with the port given and with the heuristic, and on the captures
// split so that every header is reassembled from 1-byte segments.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { encodePacket } from "../../src/index.js";
import { CAPTURES, prng, readCapture, segmentsOf } from "../capture/support/fixtures.js";
import { recordsOf, writePcap } from "../capture/support/rewrite.js";
import { requireBinary } from "../interop/support/process.js";
import { writeDissector } from "./support/dissector-compare.js";
import { dissection, runTshark, uwsgiByFrame } from "./support/dissector-view.js";
import { connection, splitEverywhere } from "./support/segments.js";

const CHUNKED = "chunked/chunked.pcapng";
const FILES = [...readdirSync(CAPTURES).filter((f) => /\.pcap(ng)?$/.test(f)), CHUNKED];
const json = (name: string) => JSON.parse(readFileSync(join(CAPTURES, name), "utf8"));
const PORTS = json("packets-expected.json").ports as { uwsgi: number; nodeRpc: number };
/** The uwsgi server ports of a capture, as uwsgi.tcp_ports takes them. */
const portsOf = (file: string): number[] =>
  file.startsWith("packets")
    ? [PORTS.uwsgi, PORTS.nodeRpc]
    : file === CHUNKED
      ? [json("chunked/expected.json").uwsgiPort as number]
      : [json("expected.json").uwsgiPort as number];

const MODES = {
  heuristic: (_: string): string[] => [],
  "port given": (file: string): string[] => [
    "uwsgi.heuristic:FALSE",
    `uwsgi.tcp_ports:${portsOf(file).join(",")}`,
  ],
};

let lua: string;
let dir: string;

beforeAll(() => {
  requireBinary("tshark", "tshark");
  lua = writeDissector();
  dir = mkdtempSync(join(tmpdir(), "uwsgi-codec-two-pass-"));
});

/**
 * A node that only says that a packet goes on in later segments (uwsgi.partial.expert): TCP keeps
 * that segment for its reassembly and, on a later pass, does not hand it to the dissector again
 * ("TCP segment of a reassembled PDU"). Every other node must come back as it was.
 */
const waiting = (node: unknown): boolean => JSON.stringify(node).includes('"uwsgi.partial.expert"');

/** Each frame's nodes, but those `waiting` (first pass) or none, by frame number. */
function shown(byFrame: Map<number, unknown>): Map<number, unknown[]> {
  const out = new Map<number, unknown[]>();
  for (const [number, nodes] of byFrame) {
    const list = (nodes === null ? [] : Array.isArray(nodes) ? nodes : [nodes]).filter(
      (n) => !waiting(n),
    );
    if (list.length > 0) out.set(number, list);
  }
  return out;
}

/** A later pass shows every frame as the first did, but for the segments TCP no longer hands. */
function expectSameFrames(first: Map<number, unknown>, later: Map<number, unknown>): void {
  expect(shown(later)).toEqual(shown(first));
  for (const [number, nodes] of later) {
    const before = JSON.stringify(first.get(number) ?? null);
    for (const node of Array.isArray(nodes) ? nodes : [nodes])
      if (waiting(node)) expect(before).toContain(JSON.stringify(node));
  }
}

/** One pass and two passes (`tshark -2`) over `path` agree, frame by frame and as exchanges. */
function expectSameOnEveryPass(path: string, options: string[], extra: string[] = []): void {
  const one = runTshark(lua, path, options, extra);
  const two = runTshark(lua, path, options, ["-2", ...extra]);
  expect(shown(uwsgiByFrame(one)).size).toBeGreaterThan(0);
  expectSameFrames(uwsgiByFrame(one), uwsgiByFrame(two));
  expect(dissection(two)).toEqual(dissection(one));
}

describe.each(FILES)("%s dissected twice (tshark -2)", (file) => {
  describe.each(Object.entries(MODES))("with the %s", (_, mode) => {
    it("every frame shows on the second pass what it showed on the first", () => {
      expectSameOnEveryPass(join(CAPTURES, file), mode(file));
    });

    it("a display filter on the second pass shows the frames the first pass chose, as it showed them", () => {
      const path = join(CAPTURES, file);
      const numbers = [...uwsgiByFrame(runTshark(lua, path, mode(file))).keys()];
      const later = numbers[Math.floor(numbers.length / 2)]!;
      // The later half of the capture (its requests paired with answers of earlier frames), the
      // answers alone (each framed by the request it answers).
      for (const filter of [`frame.number >= ${later}`, "uwsgi.direction == 1"]) {
        const once = uwsgiByFrame(runTshark(lua, path, mode(file), ["-Y", filter]));
        const twice = uwsgiByFrame(runTshark(lua, path, mode(file), ["-2", "-Y", filter]));
        expect(shown(once).size).toBeGreaterThan(0);
        expectSameFrames(once, twice);
      }
    });
  });
});

describe.each(["lo.pcapng", "packets.pcapng", CHUNKED])("%s split, dissected twice", (name) => {
  it("every header reassembled from 1-byte segments: the same on both passes, both modes", () => {
    const rand = prng(name.length + 1);
    const segments = splitEverywhere(
      segmentsOf(readCapture(name)),
      48,
      () => 1 + Math.floor(rand() * 700),
    );
    const path = join(dir, `${name.replace(/\W/g, "-")}.pcap`);
    writeFileSync(path, writePcap(recordsOf(segments), { linkType: 1 }));
    for (const mode of Object.values(MODES)) expectSameOnEveryPass(path, mode(name));
  });
});

describe("a frame dissected twice in a row (the GUI: a packet clicked again)", () => {
  it("shows its request and the start of its body, not the state its body left", () => {
    const request = Buffer.concat([
      encodePacket({ vars: { REQUEST_METHOD: "POST", CONTENT_LENGTH: "10" } }),
      Buffer.from("half!"),
    ]);
    const path = join(dir, "one-frame.pcap");
    const segments = connection(40001, 3031, request, Buffer.alloc(0), 1);
    writeFileSync(path, writePcap(recordsOf(segments), { linkType: 1 }));
    // The only frame with uwsgi bytes is the last of tshark -2's first pass and the first of its
    // second. A filter makes tshark build the tree on the first pass too (field values, tcp.stream).
    for (const extra of [[], ["-Y", "frame"]]) {
      expectSameOnEveryPass(path, [], extra);
      expectSameOnEveryPass(path, ["uwsgi.heuristic:FALSE"], extra);
    }
  });
});

describe("two connections on the same two endpoints, one after the other", () => {
  it("are two exchanges on both passes, the first answer read until its connection closed", () => {
    const request = (uri: string) =>
      Buffer.from(encodePacket({ vars: { REQUEST_METHOD: "GET", REQUEST_URI: uri } }));
    // No Content-Length: uWSGI's answer ends when it closes the connection.
    const answer = (body: string) =>
      Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n${body}`);
    const again = connection(40002, 3031, request("/two"), answer("second"), 2).map((s) => ({
      ...s,
      seq: s.seq + 100_000,
      ack: s.ack === 0 ? 0 : s.ack + 100_000,
    }));
    const path = join(dir, "same-endpoints.pcap");
    const segments = [...connection(40002, 3031, request("/one"), answer("first"), 1), ...again];
    writeFileSync(path, writePcap(recordsOf(segments), { linkType: 1 }));
    for (const options of [[], ["uwsgi.heuristic:FALSE"]]) {
      expectSameOnEveryPass(path, options);
      const { exchanges } = dissection(runTshark(lua, path, options, ["-2"]));
      expect(
        exchanges.map((e) => [e.vars?.[1]?.[1], e.answer?.statusLine, e.answer?.dataLength]),
      ).toEqual([
        ["/one", "HTTP/1.1 200 OK", 5],
        ["/two", "HTTP/1.1 200 OK", 6],
      ]);
    }
  });
});
