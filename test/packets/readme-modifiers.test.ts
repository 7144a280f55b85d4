// The README's table of every modifier1 (section "uWSGI's other packets") names each value the
// registry knows, with its registry name, once: the table and the registry cannot drift apart.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { modifierInfo } from "../../src/index.js";

const README = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

describe("the README's modifier1 table", () => {
  it("lists every modifier1 uWSGI assigns, by its registry name, exactly once", () => {
    const start = README.indexOf("| modifier1 | name | what uwsgi-codec does |");
    expect(start).toBeGreaterThan(0);
    const rows = README.slice(start).split("\n\n")[0]!.split("\n").slice(2);
    const listed = new Map<number, string>();
    for (const row of rows) {
      const [numbers, names] = row
        .split("|")
        .slice(1, 3)
        .map((c) => c.trim());
      const values = numbers!.split(",").map((n) => Number(n.trim()));
      const labels = names!.split(",").map((n) => n.trim());
      expect(labels.length, row).toBe(values.length);
      values.forEach((m1, i) => {
        expect(listed.has(m1), `${m1} listed twice`).toBe(false);
        listed.set(m1, labels[i]!);
      });
    }
    const known = new Map<number, string>();
    for (let m1 = 0; m1 < 256; m1++) {
      const info = modifierInfo(m1);
      if (info.known) known.set(m1, info.name);
    }
    expect([...listed].sort((a, b) => a[0] - b[0])).toEqual([...known]);
  });
});
