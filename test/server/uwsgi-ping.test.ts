// uWSGI's own ping client (`uwsgi --plugin ping --ping host:port`) against our server's pong: it
// exits 0 only for a well-formed answer, 1 when nothing (or no pong) comes back.
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../interop/support/ports.js";
import { requireBinary } from "../interop/support/process.js";
import { type Served, serve } from "./support/serve.js";

let served: Served | undefined;
beforeAll(async () => {
  requireBinary("uwsgi", "uwsgi-core");
  served = await serve((_req, res) => res.end("never asked"));
});
afterAll(async () => {
  await served?.stop();
});

/** Runs the ping client without blocking the event loop (our server answers from this process). */
function uwsgiPing(port: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn("uwsgi", ["--plugin", "ping", "--ping", `127.0.0.1:${port}`], {
      stdio: "ignore",
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("error", reject);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

describe("uwsgi --ping", () => {
  it("accepts our server's pong (exit 0)", async () => {
    expect(await uwsgiPing(served!.port)).toBe(0);
  });

  it("fails where nothing answers (exit 1): the check can fail", async () => {
    expect(await uwsgiPing(await freePort())).toBe(1);
  });
});
