// The FastCGI codecs Node users install, driven through their own APIs on the same bytes.
// node-fastcgi is not here: it is a server whose only codec is fastcgi-stream (measured below),
// and it cannot be driven without a socket.
import { EventEmitter } from "node:events";
import { createRequire } from "node:module";
import { NGINX_STDIN_RECORD } from "../../src/fastcgi/record.js";
import type { Scenario } from "../scenarios.js";
import { fastcgiWire } from "./fastcgi.js";
import { type BenchTask, chunksOf, sanity, TASKS } from "./task.js";

const require = createRequire(import.meta.url);

interface FcgiRecord {
  readonly TYPE: number;
  params?: (string | [string, string])[];
  data?: Buffer | string;
}
type RecordClass = new (...args: unknown[]) => FcgiRecord;
interface FastCGIStreamLib {
  FastCGIStream: new (
    stream: EventEmitter & { write(b: Buffer): boolean },
  ) => EventEmitter & {
    writeRecord(requestId: number, record: FcgiRecord): boolean;
  };
  records: Record<"BeginRequest" | "Params" | "StdIn", RecordClass>;
}

const fcgiStream = require("fastcgi-stream") as FastCGIStreamLib;
const parsekv = require("fastcgi-client/lib/parsekv") as (b: Buffer) => Record<string, string>;
const stringifykv = require("fastcgi-client/lib/stringifykv") as (
  o: Record<string, string>,
) => Buffer;

/** A stand-in for a socket: it collects what the peer writes and emits what we feed it. */
class FakeSocket extends EventEmitter {
  written: Buffer[] = [];
  write(b: Buffer): boolean {
    this.written.push(b);
    return true;
  }
}

/** The content of the single PARAMS record in our FastCGI encoding (what fastcgi-client's kv codec handles). */
function paramsContent(wire: Buffer): Buffer {
  const at = 16; // after BEGIN_REQUEST
  return wire.subarray(at + 8, at + 8 + wire.readUInt16BE(at + 4));
}

/** fastcgi-stream 1.0.0 and fastcgi-client 0.2.0 rows. */
export function npmPeerTasks(s: Scenario): BenchTask[] {
  const wire = fastcgiWire(s);
  const { FastCGIStream, records } = fcgiStream;
  const unique = new Set(s.pairs.map(([k]) => k)).size;

  const streamDecode = (chunks: readonly Buffer[]) => () => {
    const socket = new FakeSocket();
    const parser = new FastCGIStream(socket);
    let pairs = 0;
    let body = 0;
    parser.on("record", (_id: number, r: FcgiRecord) => {
      if (r.TYPE === 4) pairs += r.params!.length;
      else if (r.TYPE === 5) body += r.data!.length;
    });
    for (const c of chunks) socket.emit("data", c);
    sanity(pairs === s.varCount && body === s.body.length, `${s.name} fastcgi-stream decode`);
    return pairs;
  };
  const t = (
    protocol: "fastcgi-stream" | "fastcgi-client",
    task: string,
    bytes: number,
    fn: () => number,
  ): BenchTask => ({
    scenario: s.name,
    protocol,
    task,
    bytes,
    fn,
  });
  const params = paramsContent(wire);
  const object = Object.fromEntries(s.pairs);
  return [
    t("fastcgi-stream", TASKS.encode, wire.length, () => {
      const socket = new FakeSocket();
      const out = new FastCGIStream(socket);
      out.writeRecord(1, new records.BeginRequest(1, 0));
      out.writeRecord(1, new records.Params(s.pairs));
      out.writeRecord(1, new records.Params());
      for (let at = 0; at < s.body.length; at += NGINX_STDIN_RECORD) {
        out.writeRecord(1, new records.StdIn(s.body.subarray(at, at + NGINX_STDIN_RECORD)));
      }
      out.writeRecord(1, new records.StdIn());
      return socket.written.length;
    }),
    t("fastcgi-stream", "decode (eager strings)", wire.length, streamDecode([wire])),
    t("fastcgi-stream", TASKS.stream1460, wire.length, streamDecode(chunksOf(wire, 1460))),
    t("fastcgi-stream", TASKS.stream16k, wire.length, streamDecode(chunksOf(wire, 16384))),
    t("fastcgi-client", "encode params only", params.length, () => {
      const out = stringifykv(object);
      return out.length;
    }),
    t("fastcgi-client", "decode params only (eager)", params.length, () => {
      const o = parsekv(params);
      let n = 0;
      for (const _ in o) n++;
      sanity(n === unique, `${s.name} fastcgi-client decode`);
      return n;
    }),
  ];
}
