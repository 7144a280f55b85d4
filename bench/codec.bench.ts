import {
  decodePacket,
  encodePacket,
  encodePacketInto,
  MAX_DATASIZE,
  packetByteLength,
} from "../src/index.js";
import type { Scenario } from "./scenarios.js";

/** A benchmark task: `fn` runs the operation once and returns a number (kept, so it is not dead code). */
export interface BenchTask {
  readonly scenario: string;
  readonly name: string;
  /** Bytes one operation handles (the packet), for MB/s. */
  readonly bytes: number;
  readonly fn: () => number;
}

const OPTIONS = { maxDatasize: MAX_DATASIZE } as const;

/** Bare walk over the length fields of a vars block: the fastest any decoder can go. */
function lengthWalk(buf: Buffer): number {
  let p = 4;
  let n = 0;
  const end = buf.length;
  while (p + 4 <= end) {
    p += 2 + (buf[p]! | (buf[p + 1]! << 8));
    p += 2 + (buf[p]! | (buf[p + 1]! << 8));
    n++;
  }
  return n;
}

/** Every codec task for one scenario; each checks its own result and throws if it is wrong. */
export function codecTasks(s: Scenario): BenchTask[] {
  const bytes = s.packet.length;
  const target = Buffer.allocUnsafe(bytes + 16);
  const copyTarget = Buffer.allocUnsafe(bytes);
  const init = { vars: s.pairs };
  const check = (ok: boolean, what: string) => {
    if (!ok) throw new Error(`bench sanity: ${s.name} ${what}`);
  };
  if (packetByteLength(init) !== bytes) throw new Error(`${s.name}: re-encoding changes the size`);
  const t = (name: string, fn: () => number): BenchTask => ({ scenario: s.name, name, bytes, fn });
  return [
    t("encode", () => {
      const out = encodePacket(init);
      check(out.length === bytes, "encode length");
      return out[4]!;
    }),
    t("encodeInto", () => {
      const n = encodePacketInto(init, target, 0);
      check(n === bytes, "encodeInto length");
      return n;
    }),
    t("decode (lazy)", () => {
      const p = decodePacket(s.packet, 0, OPTIONS);
      check(p.kind === "vars" && p.vars.size === s.varCount, "decode count");
      return p.datasize;
    }),
    t("decode + get 3 vars", () => {
      const p = decodePacket(s.packet, 0, OPTIONS);
      if (p.kind !== "vars") throw new Error("kind");
      const v = p.vars;
      const n =
        (v.get("REQUEST_METHOD")?.length ?? 0) +
        (v.get("REQUEST_URI")?.length ?? 0) +
        (v.get("HTTP_HOST")?.length ?? 0);
      check(n > 0, "get");
      return n;
    }),
    t("decode + toObject", () => {
      const p = decodePacket(s.packet, 0, OPTIONS);
      if (p.kind !== "vars") throw new Error("kind");
      const o = p.vars.toObject();
      check(o["REQUEST_METHOD"] === "GET", "toObject");
      return p.vars.size;
    }),
    t("limit: Buffer.copy", () => s.packet.copy(copyTarget, 0)),
    t("limit: length walk", () => {
      const n = lengthWalk(s.packet);
      check(n === s.varCount, "walk count");
      return n;
    }),
  ];
}
