import { readFileSync } from "node:fs";
import { decodePacket, MAX_DATASIZE } from "../src/index.js";

/** One benchmark packet, captured from real nginx (see fixtures/packets/README.md). */
export interface Scenario {
  readonly name: string;
  /** Header + vars block, as nginx wrote it. */
  readonly packet: Buffer;
  /** The same vars as strings (latin1), in wire order, for the encoders. */
  readonly pairs: readonly [string, string][];
  readonly varCount: number;
}

const NAMES = ["nginx-get", "browser-get", "large-60k"] as const;

function load(name: string): Scenario {
  // Resolved from the repo root whether run from bench/ (vitest) or .bench/bench/ (compiled).
  const here = new URL(".", import.meta.url);
  const root = here.pathname.includes("/.bench/") ? new URL("../../", here) : new URL("../", here);
  const hex = readFileSync(new URL(`fixtures/packets/${name}.hex`, root), "utf8").trim();
  const packet = Buffer.from(hex, "hex");
  const decoded = decodePacket(packet, 0, { maxDatasize: MAX_DATASIZE });
  if (decoded.kind !== "vars") throw new Error(`${name}: not a vars packet`);
  return { name, packet, pairs: [...decoded.vars], varCount: decoded.vars.size };
}

/** The three scenarios of the codec benchmark, loaded once. */
export function loadScenarios(): Scenario[] {
  return NAMES.map(load);
}
