// Runs tshark with the generated uwsgi.lua over a capture and folds its JSON tree
// (`-T json --no-duplicate-keys -J "frame uwsgi"`) into exchanges shaped like `uwsgi-codec decode --json`'s,
// so the two decoders can be compared field by field.
import { spawnSync } from "node:child_process";

type Json = Record<string, unknown>;

/** One request and its answer as the dissector showed them. */
export interface DissectedExchange {
  client: string;
  server: string;
  modifier1: number;
  modifier2: number;
  datasize: number;
  vars: [string, string][] | null;
  /** The packet's data when it is not vars (items rebuilt with their lengths, or the payload). */
  payloadHex: string | null;
  bodyLength: number;
  /**
   * Bytes of the request's body (or value) still announced after the last piece seen; for a
   * chunked body, of the chunk being read.
   */
  bodyRemaining: number;
  /** The body was shown as chunked (uwsgi.body.chunked). */
  chunked: boolean;
  /** A chunked body's chunk sizes, in order, the last chunk's 0 included (uwsgi.chunk.size). */
  chunks: number[];
  /** A chunked body's trailer fields (uwsgi.chunk.trailer). */
  trailers: string[];
  /** A chunked body's decoded length, shown with its last chunk (uwsgi.body.decoded_length). */
  decodedLength: number | null;
  answer: DissectedAnswer | null;
  /** Bytes of the answer's result, value or body still announced after the last piece seen. */
  answerRemaining: number;
  /** Codes of the problems the dissector reported (TRUNCATED, a codec code). */
  errors: string[];
  /** The dissector was still waiting for bytes of a packet when the capture ended. */
  partial: boolean;
  /** @internal A note said more bytes were coming in this direction, and nothing came since. */
  pending: { request: boolean; answer: boolean };
}

export interface DissectedAnswer {
  kind: "http" | "packets" | "raw";
  statusLine?: string;
  status?: number;
  headers?: [string, string][];
  packets?: { modifier1: number; modifier2: number; datasize: number }[];
  /** Bytes after the HTTP head or the answer's packets (a body, a result, a value, raw data). */
  dataLength: number;
}

/** A datagram the dissector decoded (subscriptions, cache sync). */
export interface DissectedDatagram {
  client: string;
  modifier1: number;
  modifier2: number;
  datasize: number;
  vars: [string, string][] | null;
  items: string[];
  errors: string[];
}

export interface Dissection {
  exchanges: DissectedExchange[];
  datagrams: DissectedDatagram[];
}

const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const num = (v: unknown): number => Number(v);

/**
 * Runs tshark; `options` are extra -o settings (`uwsgi.tcp_ports:1234`), `extra` more arguments
 * (`-2` for two passes, `-Y filter`).
 */
export function runTshark(
  lua: string,
  file: string,
  options: readonly string[] = [],
  extra: readonly string[] = [],
): Json[] {
  const args = [
    ...extra,
    "-n",
    "-X",
    `lua_script:${lua}`,
    "-r",
    file,
    "-T",
    "json",
    "--no-duplicate-keys",
    "-J",
    "frame uwsgi",
  ];
  for (const o of options) args.push("-o", o);
  const out = spawnSync("tshark", args, { encoding: "utf8", maxBuffer: 512 * 1024 * 1024 });
  if (out.status !== 0) throw new Error(`tshark failed (${out.status}): ${out.stderr}`);
  // A Lua error is shown in the tree (and on stderr for a load error): neither may happen.
  const luaError = /Lua Error|Lua: Error|lua_script.*error/i;
  if (luaError.test(out.stderr) || luaError.test(out.stdout)) {
    throw new Error(
      `tshark reported a Lua error: ${out.stderr}${out.stdout.match(/.{0,200}Lua Error.{0,200}/)?.[0] ?? ""}`,
    );
  }
  return JSON.parse(out.stdout) as Json[];
}

/** Each shown frame's uwsgi nodes (tshark's JSON of them), by frame number. */
export function uwsgiByFrame(frames: readonly Json[]): Map<number, unknown> {
  const out = new Map<number, unknown>();
  for (const frame of frames) {
    const layers = (frame["_source"] as Json)["layers"] as Json;
    const number = Number((layers["frame"] as Json)["frame.number"]);
    out.set(number, layers["uwsgi"] ?? null);
  }
  return out;
}

function itemsHex(items: unknown[]): string {
  let hex = "";
  for (const item of items) {
    const bytes = String(item).replace(/:/g, "");
    const n = bytes.length / 2;
    hex +=
      (n & 0xff).toString(16).padStart(2, "0") + (n >> 8).toString(16).padStart(2, "0") + bytes;
  }
  return hex;
}

function varsOf(node: Json): [string, string][] {
  const trees = list(node["uwsgi.var_tree"]) as Json[];
  return trees.map((t) => [String(t["uwsgi.var.key"] ?? ""), String(t["uwsgi.var.value"] ?? "")]);
}

/** Folds tshark's frames into exchanges (by client endpoint, in order) and datagrams. */
export function dissection(frames: Json[]): Dissection {
  const exchanges: DissectedExchange[] = [];
  const datagrams: DissectedDatagram[] = [];
  const open = new Map<string, DissectedExchange>();
  for (const frame of frames) {
    const layers = (frame["_source"] as Json)["layers"] as Json;
    const isUdp = layers["udp"] !== undefined;
    for (const node of list(layers["uwsgi"]) as Json[]) {
      const client = String(node["uwsgi.client"] ?? "");
      const server = String(node["uwsgi.server"] ?? "");
      const errors = list(node["uwsgi.error"]).map(String);
      const hasHeader = node["uwsgi.modifier1"] !== undefined;
      if (isUdp) {
        if (!hasHeader) continue;
        datagrams.push({
          client,
          modifier1: num(node["uwsgi.modifier1"]),
          modifier2: num(node["uwsgi.modifier2"]),
          datasize: num(node["uwsgi.datasize"]),
          vars: node["uwsgi.vars.count"] === undefined ? null : varsOf(node),
          items: list(node["uwsgi.item"]).map((i) => String(i).replace(/:/g, "")),
          errors,
        });
        continue;
      }
      const key = `${client} ${server}`;
      const request = node["uwsgi.direction"] === "0";
      const side = request ? "request" : "answer";
      if (node["uwsgi.partial"] !== undefined) {
        // The start of a packet whose rest is in later segments: its header is known.
        let ex = open.get(key);
        if (ex === undefined || (request && ex.modifier1 >= 0 && !ex.pending.request)) {
          ex = newExchange(client, server, exchanges);
          open.set(key, ex);
        }
        if (request) {
          ex.modifier1 = num(node["uwsgi.modifier1"]);
          ex.modifier2 = num(node["uwsgi.modifier2"]);
          ex.datasize = num(node["uwsgi.datasize"]);
        }
        ex.pending[side] = true;
        ex.partial = true;
        continue;
      }
      if (request && hasHeader) {
        let ex = open.get(key);
        if (ex === undefined || (ex.modifier1 >= 0 && !ex.pending.request)) {
          ex = newExchange(client, server, exchanges);
          open.set(key, ex);
        }
        settle(ex, side);
        ex.modifier1 = num(node["uwsgi.modifier1"]);
        ex.modifier2 = num(node["uwsgi.modifier2"]);
        ex.datasize = num(node["uwsgi.datasize"]);
        if (node["uwsgi.vars.count"] !== undefined) ex.vars = varsOf(node);
        else if (node["uwsgi.items.count"] !== undefined)
          ex.payloadHex = itemsHex(list(node["uwsgi.item"]));
        else ex.payloadHex = String(node["uwsgi.payload"] ?? "").replace(/:/g, "");
        ex.errors.push(...errors);
        continue;
      }
      const ex = open.get(key) ?? newExchange(client, server, exchanges);
      open.set(key, ex);
      settle(ex, side);
      ex.errors.push(...errors);
      const remaining = node["uwsgi.remaining"];
      if (request) {
        ex.bodyLength += num(node["uwsgi.body.length"] ?? 0);
        if (remaining !== undefined) ex.bodyRemaining = num(remaining);
        if (node["uwsgi.body.chunked"] !== undefined) ex.chunked = true;
        ex.chunks.push(...list(node["uwsgi.chunk.size"]).map(num));
        ex.trailers.push(...list(node["uwsgi.chunk.trailer"]).map(String));
        const decoded = node["uwsgi.body.decoded_length"];
        if (decoded !== undefined) ex.decodedLength = num(decoded);
        continue;
      }
      if (remaining !== undefined) ex.answerRemaining = num(remaining);
      ex.answer ??= { kind: "raw", dataLength: 0 };
      const answer = ex.answer;
      if (node["uwsgi.http.status_line"] !== undefined) {
        answer.kind = "http";
        answer.statusLine = String(node["uwsgi.http.status_line"]);
        answer.status = num(node["uwsgi.http.status"]);
        answer.headers = (list(node["uwsgi.http.header_tree"]) as Json[]).map((h) => [
          String(h["uwsgi.http.header.name"]),
          String(h["uwsgi.http.header.value"]),
        ]);
      } else if (hasHeader) {
        answer.kind = "packets";
        answer.packets ??= [];
        answer.packets.push({
          modifier1: num(node["uwsgi.modifier1"]),
          modifier2: num(node["uwsgi.modifier2"]),
          datasize: num(node["uwsgi.datasize"]),
        });
      } else {
        answer.dataLength += num(node["uwsgi.answer.length"] ?? 0);
      }
    }
  }
  return { exchanges, datagrams };
}

function settle(ex: DissectedExchange, side: "request" | "answer"): void {
  ex.pending[side] = false;
  ex.partial = ex.pending.request || ex.pending.answer;
}

function newExchange(client: string, server: string, into: DissectedExchange[]): DissectedExchange {
  const ex: DissectedExchange = {
    client,
    server,
    modifier1: -1,
    modifier2: -1,
    datasize: -1,
    vars: null,
    payloadHex: null,
    bodyLength: 0,
    bodyRemaining: 0,
    chunked: false,
    chunks: [],
    trailers: [],
    decodedLength: null,
    answer: null,
    answerRemaining: 0,
    errors: [],
    partial: false,
    pending: { request: false, answer: false },
  };
  into.push(ex);
  return ex;
}
