// Compares the Wireshark dissector's exchanges with `uwsgi-codec decode --json`'s, and with the
// bytes of each TCP stream as tshark's own "follow" gives them (no Lua involved) read by the
// codec: the truth about where each answer's framing ends.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { answerFramingOf } from "../../../src/codec/answer-framing.js";
import { generateDissector } from "../../../src/dissector/generate.js";
import { readCacheAnswerHead, readHeader, readRpcAnswerHead } from "../../../src/index.js";
import type { DecodedExchange } from "./decode-view.js";
import type { DissectedAnswer, DissectedExchange } from "./dissector-view.js";

/** Writes the generated dissector to a temp file; returns its path. */
export function writeDissector(): string {
  const file = join(mkdtempSync(join(tmpdir(), "uwsgi-codec-lua-")), "uwsgi.lua");
  writeFileSync(file, generateDissector());
  return file;
}

/**
 * tshark shows a string field up to its first NUL byte: a var's key or value is compared up to
 * it (a limit of the Lua API's string fields, not something the dissector could show otherwise).
 */
const shown = (s: string): string => {
  const nul = s.indexOf("\0");
  return nul < 0 ? s : s.slice(0, nul);
};

/** Where the two decoders differ, in words; empty when they agree. */
export function differences(
  decoded: readonly DecodedExchange[],
  dissected: readonly DissectedExchange[],
): string[] {
  const out: string[] = [];
  const byClient = new Map(dissected.map((e) => [e.client, e]));
  const seen = new Set<string>();
  for (const d of decoded) {
    const x = byClient.get(d.client);
    if (x === undefined) {
      out.push(`${d.client}: decode --json has an exchange the dissector does not`);
      continue;
    }
    seen.add(d.client);
    const where = `${d.client} (${d.modifier1}/${d.modifier2})`;
    const head = (e: { modifier1: number; modifier2: number; datasize: number }) =>
      `${e.modifier1}/${e.modifier2}/${e.datasize}`;
    if (head(d) !== head(x)) out.push(`${where}: header ${head(d)} vs ${head(x)}`);
    // The capture decoder's parser refuses a packet whose body cannot be framed as a whole, so
    // decode --json has no vars for it; the dissector reads them before it looks at the body.
    const refused = d.vars === null && d.errors.includes("UNSUPPORTED_TRANSFER_ENCODING");
    if (refused) {
      if (x.vars === null) out.push(`${where}: the dissector shows no vars`);
    } else if (d.vars !== null || x.vars !== null) {
      const want = JSON.stringify(d.vars?.map(([k, v]) => [shown(k), shown(v)]) ?? null);
      if (want !== JSON.stringify(x.vars)) out.push(`${where}: vars differ`);
    } else if ((d.payloadHex ?? "") !== (x.payloadHex ?? "")) {
      out.push(`${where}: payload ${d.payloadHex} vs ${x.payloadHex}`);
    }
    if (d.bodyLength !== x.bodyLength) {
      out.push(`${where}: body ${d.bodyLength} vs ${x.bodyLength} bytes`);
    }
    if (!sameAnswer(d.answer, x.answer)) {
      out.push(`${where}: answer ${JSON.stringify(d.answer)} vs ${JSON.stringify(x.answer)}`);
    }
  }
  for (const x of dissected) {
    if (!seen.has(x.client))
      out.push(`${x.client}: the dissector has an exchange decode --json does not`);
  }
  return out;
}

function sameAnswer(a: DissectedAnswer | null, b: DissectedAnswer | null): boolean {
  const norm = (x: DissectedAnswer | null) =>
    x === null
      ? null
      : {
          kind: x.kind,
          statusLine: x.statusLine,
          status: x.status,
          headers: x.headers,
          packets: x.kind === "packets" ? (x.packets ?? []) : undefined,
          dataLength: x.dataLength,
        };
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
}

/**
 * Both directions of every TCP stream of a capture, by client endpoint (who sent first): the
 * segments' payloads as tshark lists them (its own TCP analysis, no Lua), in sequence order.
 */
export function streamBytes(file: string): Map<string, { request: Buffer; answer: Buffer }> {
  const args = ["-n", "-r", file, "-Y", "tcp.len > 0", "-T", "fields", "-E", "separator=/t"];
  for (const f of ["tcp.stream", "ip.src", "tcp.srcport", "tcp.seq", "tcp.payload"])
    args.push("-e", f);
  const run = spawnSync("tshark", args, { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  const streams = new Map<string, { client: string; parts: Map<string, [number, Buffer][]> }>();
  for (const line of run.stdout.split("\n")) {
    if (line === "") continue;
    const [id, ip, port, seq, hex] = line.split("\t") as [string, string, string, string, string];
    const from = `${ip}:${port}`;
    let s = streams.get(id);
    if (s === undefined) {
      s = { client: from, parts: new Map() };
      streams.set(id, s);
    }
    const list = s.parts.get(from) ?? [];
    list.push([Number(seq), Buffer.from(hex.replace(/:/g, ""), "hex")]);
    s.parts.set(from, list);
  }
  const out = new Map<string, { request: Buffer; answer: Buffer }>();
  const join = (parts: [number, Buffer][] | undefined) =>
    Buffer.concat((parts ?? []).sort((a, b) => a[0] - b[0]).map(([, b]) => b));
  for (const s of streams.values()) {
    const answerSide = [...s.parts.keys()].find((k) => k !== s.client);
    out.set(s.client, {
      request: join(s.parts.get(s.client)),
      answer: join(answerSide === undefined ? undefined : s.parts.get(answerSide)),
    });
  }
  return out;
}

/**
 * The answer as uWSGI frames it, read from the stream's bytes by the codec: one packet and what
 * it announces after it (a result, a value), or raw bytes; the bytes are those tshark's own TCP
 * analysis gives, so neither decoder's reassembly is involved.
 */
export function answerTruth(
  modifier1: number,
  modifier2: number,
  bytes: Buffer,
): DissectedAnswer | null {
  if (bytes.length === 0) return null;
  const framing = answerFramingOf(modifier1, modifier2);
  if (framing === "raw" || framing === "dump" || framing === "none") {
    return { kind: "raw", dataLength: bytes.length };
  }
  const header = readHeader(bytes);
  const headLength = 4 + header.datasize;
  let announced = 0;
  if (framing === "rpc") {
    const head = readRpcAnswerHead(bytes);
    if (!head.ready) throw new Error("an RPC answer cut short");
    announced = header.modifier2 === 5 ? head.contentLength : 0;
  } else if (framing === "cache") {
    const head = readCacheAnswerHead(bytes);
    if (!head.ready) throw new Error("a cache answer cut short");
    announced = head.contentLength;
  }
  const dataLength = bytes.length - headLength;
  if (dataLength !== announced)
    throw new Error(`the answer has ${dataLength} bytes after its head, ${announced} announced`);
  return {
    kind: "packets",
    packets: [
      { modifier1: header.modifier1, modifier2: header.modifier2, datasize: header.datasize },
    ],
    dataLength,
  };
}
