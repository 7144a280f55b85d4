// The published declarations of uwsgi-codec/capture and the decode command (tsconfig.build.json,
// `stripInternal`): they type-check as a consumer's compiler reads them (skipLibCheck off), so no
// declaration names a stripped type or implements an interface with stripped members, and what is
// marked @internal is not in them.
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TSC = join(ROOT, "node_modules", ".bin", "tsc");
let out = "";

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), "uwsgi-codec-capture-dts-"));
  // Errors elsewhere in src/ (another area's work in progress) do not stop the emit; the files
  // checked below must be there and sound.
  await run(TSC, ["-p", join(ROOT, "tsconfig.build.json"), "--outDir", out]).catch(() => {});
}, 120_000);

afterAll(async () => {
  if (out !== "") await rm(out, { recursive: true, force: true });
});

describe("published declarations of the capture decoder", () => {
  it("CaptureStats has no work counters (internal)", async () => {
    const text = await readFile(join(out, "capture/session.d.ts"), "utf8");
    const stats = text.slice(
      text.indexOf("interface CaptureStats"),
      text.indexOf("}", text.indexOf("interface CaptureStats")),
    );
    expect(stats).toContain("gapBytes");
    expect(stats).not.toContain("work");
  });

  it("every one of dist/capture and the decode command's type-checks with skipLibCheck off", async () => {
    const capture = (await readdir(join(out, "capture")))
      .filter((f) => f.endsWith(".d.ts"))
      .map((f) => join(out, "capture", f));
    expect(capture.length).toBeGreaterThan(20);
    const cli = ["decode-command", "render", "args", "body-files", "io"].map((f) =>
      join(out, "cli", `${f}.d.ts`),
    );
    const config = join(out, "tsconfig.capture-consumer.json");
    await writeFile(
      config,
      JSON.stringify({
        compilerOptions: {
          target: "es2022",
          module: "nodenext",
          moduleResolution: "nodenext",
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: ["node"],
          typeRoots: [join(ROOT, "node_modules", "@types")],
        },
        files: [...capture, ...cli],
      }),
    );
    const result = await run(TSC, ["-p", config]).then(
      () => "",
      (err: { stdout?: string }) => err.stdout ?? String(err),
    );
    expect(result).toBe("");
  }, 60_000);
});
