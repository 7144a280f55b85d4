// bench/baseline-v0/ is a frozen copy of the codec for same-run "before" rows (its README says
// why): only the benchmark may import it, never the package's source.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sources(join(dir, e.name))
      : e.name.endsWith(".ts")
        ? [join(dir, e.name)]
        : [],
  );
}

describe("bench/baseline-v0", () => {
  it("is imported by no file of src/", () => {
    const importers = sources(join(ROOT, "src")).filter((file) =>
      /from\s+["'][^"']*baseline-v0/.test(readFileSync(file, "utf8")),
    );
    expect(importers.map((f) => relative(ROOT, f))).toEqual([]);
  });

  it("is what the codec rows compare against", () => {
    const codec = readFileSync(join(ROOT, "bench", "tasks", "codec.ts"), "utf8");
    expect(codec).toContain('from "../baseline-v0/index.js"');
  });
});
