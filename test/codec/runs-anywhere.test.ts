// "Runs anywhere": the core entry (codec, parser, Web stream adapter) works with Node's globals
// gone. The sources are compiled as they are published, then imported by a child Node process
// that deletes Buffer, process, global and setImmediate first; its report must equal the one made
// with the globals present (only the class of the returned memory differs: Uint8Array vs Buffer).
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  compileEntries,
  filesNamingNodeGlobals,
  namesNodeGlobal,
} from "../support/pure-sources.js";

const CHILD = fileURLToPath(new URL("./no-node-globals.mjs", import.meta.url));

let out: string;
beforeAll(() => {
  // Only what src/index.ts imports: other entry points are not part of the claim.
  out = compileEntries(["src/index.ts"], "uwsgi-codec-anywhere-");
}, 60_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

function run(mode: "bare" | "node"): Record<string, unknown> {
  return JSON.parse(
    execFileSync(process.execPath, [CHILD, join(out, "dist"), mode], { encoding: "utf8" }),
  );
}

describe("the core entry without Node's globals", () => {
  it("encodes, decodes, parses and streams exactly as with them", () => {
    const bare = run("bare");
    const node = run("node");
    expect(bare.globals).toEqual(["undefined", "undefined"]);
    expect(node.globals).toEqual(["function", "object"]);
    // New memory and views are plain Uint8Arrays without Node, Buffers with it.
    expect(bare.kinds).toEqual(["Uint8Array", "Uint8Array", "Uint8Array"]);
    expect(node.kinds).toEqual(["Buffer", "Buffer", "Buffer"]);
    const { globals: _g1, kinds: _k1, ...sameBare } = bare;
    const { globals: _g2, kinds: _k2, ...sameNode } = node;
    expect(sameBare).toEqual(sameNode);
    // And the shared report says what it should, so equality is not two equal failures.
    expect(bare.refusals).toEqual([
      "UwsgiError UNENCODABLE_STRING 7",
      "UwsgiError UNENCODABLE_STRING 7",
    ]);
    expect(bare.decoded).toEqual([true, true, ["\u0000\u00ff"]]);
    expect(bare.utf8).toBe(
      "0038000001004b0900c3a9e282acf09f9880050041534349490500706c61696e0800d0bad0bbd18ed187" +
        "1000d0b7d0bdd0b0d187d0b5d0bdd0b8d0b5",
    );
    expect(bare.invalidUtf8).toBe("UwsgiError INVALID_UTF8 9");
    expect(bare.parser).toEqual(["/p", "010203", "end"]);
    expect(bare.webStream).toEqual(["/p", "040506", "end"]);
  });

  it("no file of the core names a Node global outside the one platform module", () => {
    // A static guard for paths the run above does not reach. Comments and strings are stripped.
    const core = ["src/codec", "src/parser", "src/adapters"];
    const allowed = new Set(["src/codec/bytes.ts", "src/adapters/node-stream.ts"]);
    const offenders = filesNamingNodeGlobals(core, allowed);
    expect(offenders).toEqual([]);
  });

  it("the guard sees a node: import and a global, not a word in a comment or a string", () => {
    expect(namesNodeGlobal('import { readFileSync } from "node:fs";')).toBe(true);
    expect(namesNodeGlobal('const m = await import("node:fs");')).toBe(true);
    expect(namesNodeGlobal("const b = Buffer.alloc(1);")).toBe(true);
    // A template literal's substitutions are code: templates are not blanked.
    expect(namesNodeGlobal("const t = `pid $" + "{process.pid}`;")).toBe(true);
    expect(namesNodeGlobal('// Buffer\n/* process */\nconst s = "global require";')).toBe(false);
  });
});
