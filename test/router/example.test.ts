import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ensureDist, ROOT } from "../support/dist.js";

// The README's router example runs as written: nginx, our router, two uWSGI backends that
// subscribe to it, one of which leaves.
describe("examples/router.mjs", () => {
  it("routes through nginx to subscribed backends, answers /private itself, and follows an unsubscription", () => {
    ensureDist();
    const out = execFileSync(process.execPath, [join(ROOT, "examples", "router.mjs")], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 30_000,
    });
    const answers = [...out.matchAll(/^GET (\/\w+) -> (\d+) (.*)$/gm)].map((m) => [
      m[1],
      m[2],
      m[3],
    ]);
    expect(answers.slice(0, 4).map((a) => a[2]!.replace(/^(one|two) /, ""))).toEqual([
      "answered /a (routed by uwsgi-codec)",
      "answered /b (routed by uwsgi-codec)",
      "answered /c (routed by uwsgi-codec)",
      "answered /d (routed by uwsgi-codec)",
    ]);
    // Round robin over the two subscribed backends.
    expect(new Set(answers.slice(0, 4).map((a) => a[2]!.split(" ")[0]))).toEqual(
      new Set(["one", "two"]),
    );
    expect(answers[4]).toEqual(["/private", "403", "not here"]);
    expect(out).toMatch(/left app\.local \(unsubscribe\)/);
    expect(answers.slice(5).map((a) => a[2]!.split(" ")[0])).toEqual(["two", "two"]);
  });
});
