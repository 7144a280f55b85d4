import { readFileSync } from "node:fs";
import { decodePacket, MAX_DATASIZE } from "../src/index.js";

/**
 * One benchmark request, the same logical request in every protocol: the vars real nginx wrote
 * (fixtures/packets/NAME.hex) and a body (fixtures/scenarios.json).
 */
export interface Scenario {
  readonly name: string;
  readonly title: string;
  /** Header + vars block, as nginx wrote it. */
  readonly packet: Buffer;
  /** The same vars as strings (latin1), in wire order: what every encoder is given. */
  readonly pairs: readonly [string, string][];
  readonly varCount: number;
  /** The request body (empty for a GET). */
  readonly body: Buffer;
}

interface ScenarioSpec {
  name: string;
  title: string;
  packet: string;
  body: { length: number; repeat: string } | null;
}

function root(): URL {
  // Resolved from the repo root whether run from bench/ (vitest) or .bench/bench/ (compiled).
  const here = new URL(".", import.meta.url);
  return here.pathname.includes("/.bench/") ? new URL("../../", here) : new URL("../", here);
}

function bodyOf(spec: ScenarioSpec["body"]): Buffer {
  if (spec === null) return Buffer.alloc(0);
  const unit = Buffer.from(spec.repeat, "latin1");
  const body = Buffer.alloc(spec.length);
  for (let i = 0; i < body.length; i += unit.length) unit.copy(body, i);
  return body;
}

function flat(s: string): string {
  return Buffer.from(s, "latin1").toString("latin1");
}

function load(spec: ScenarioSpec): Scenario {
  const hex = readFileSync(new URL(`fixtures/${spec.packet}`, root()), "utf8").trim();
  const packet = Buffer.from(hex, "hex");
  const decoded = decodePacket(packet, 0, { maxDatasize: MAX_DATASIZE });
  if (decoded.kind !== "vars") throw new Error(`${spec.name}: not a vars packet`);
  const body = bodyOf(spec.body);
  const declared = decoded.vars.get("CONTENT_LENGTH") ?? "";
  if ((declared === "" ? 0 : Number(declared)) !== body.length) {
    throw new Error(`${spec.name}: CONTENT_LENGTH ${declared} but a ${body.length}-byte body`);
  }
  return {
    name: spec.name,
    title: spec.title,
    packet,
    // Flat strings of their own, as a caller's would be (not substrings of the decoder's block
    // text, which the encoders would read through an indirection).
    pairs: [...decoded.vars].map(([k, v]): [string, string] => [flat(k), flat(v)]),
    varCount: decoded.vars.size,
    body,
  };
}

/** The five scenarios of fixtures/scenarios.json, loaded once. */
export function loadScenarios(): Scenario[] {
  const doc = JSON.parse(readFileSync(new URL("fixtures/scenarios.json", root()), "utf8")) as {
    scenarios: ScenarioSpec[];
  };
  return doc.scenarios.map(load);
}
