// What a TypeScript user of the published package compiles against: every entry point of
// package.json's `exports`, imported by name from a scratch project, type-checked with
// skipLibCheck off. With `stripInternal`, a public declaration that names an @internal type
// compiles here but breaks every consumer; this catches it for all entry points at once.
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureDist, ROOT } from "./support/dist.js";

const run = promisify(execFile);
let project = "";
let entries: string[] = [];

beforeAll(async () => {
  ensureDist();
  const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as {
    name: string;
    exports: Record<string, unknown>;
  };
  entries = Object.keys(pkg.exports)
    .filter((key) => key !== "./package.json")
    .map((key) => (key === "." ? pkg.name : `${pkg.name}/${key.slice(2)}`));
  project = await mkdtemp(join(tmpdir(), "uwsgi-codec-consumer-"));
  await mkdir(join(project, "node_modules"));
  await symlink(ROOT, join(project, "node_modules", pkg.name), "dir");
  await symlink(join(ROOT, "node_modules", "@types"), join(project, "node_modules", "@types"));
  await writeFile(join(project, "package.json"), '{ "type": "module", "private": true }\n');
  await writeFile(
    join(project, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "es2022",
        module: "nodenext",
        moduleResolution: "nodenext",
        strict: true,
        exactOptionalPropertyTypes: true,
        skipLibCheck: false,
        noEmit: true,
        types: ["node"],
      },
      include: ["use.ts"],
    }),
  );
  const lines = entries.map((name, i) => `import * as e${i} from "${name}";`);
  lines.push(
    `export const all: readonly object[] = [${entries.map((_, i) => `e${i}`).join(", ")}];`,
  );
  await writeFile(join(project, "use.ts"), `${lines.join("\n")}\n`);
}, 120_000);

afterAll(async () => {
  if (project !== "") await rm(project, { recursive: true, force: true });
});

describe("published declarations", () => {
  it("cover every entry point of package.json exports", () => {
    expect(entries).toContain("uwsgi-codec");
    expect(entries).toContain("uwsgi-codec/node");
    expect(entries.length).toBeGreaterThanOrEqual(6);
  });

  it("type-check as a consumer's compiler reads them (skipLibCheck off)", async () => {
    const tsc = join(ROOT, "node_modules", ".bin", "tsc");
    const result = await run(tsc, ["-p", project]).then(
      () => "",
      (err: { stdout?: string; stderr?: string }) => `${err.stdout ?? ""}${err.stderr ?? ""}`,
    );
    expect(result).toBe("");
  }, 120_000);

  it.each([
    ["server/request.d.ts", ["pushBody", "endBody", "abort("]],
    ["server/response.d.ts", ["answerInstead", "socketDrained", "answerStarted"]],
    ["parser/chunked-decoder.d.ts", ["decode(", "get failure"]],
    ["parser/parser-options.d.ts", ["parserSettings", "ParserSettings"]],
  ])("%s has none of its @internal members", async (file, names) => {
    const text = await readFile(join(ROOT, "dist", file), "utf8");
    for (const name of names) expect(text, name).not.toContain(name);
  });

  it("CaptureStats has no work counters (internal)", async () => {
    const text = await readFile(join(ROOT, "dist", "capture", "session.d.ts"), "utf8");
    const start = text.indexOf("interface CaptureStats");
    const stats = text.slice(start, text.indexOf("}", start));
    expect(stats).toContain("gapBytes");
    expect(stats).not.toContain("work");
  });
});
