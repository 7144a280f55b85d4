// examples/gateway.mjs as a user runs it: from the repository (the package imports itself by
// name through its `exports`) and copied unchanged into a project that installed the package;
// a bare --upstream number is a port; an upstream nobody answers at is said at start.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, waitForPort } from "../interop/support/ports.js";
import { ensureDist, ROOT } from "../support/dist.js";
import { type ClientPeer, startClientPeer } from "./support/uwsgi-peer.js";

let uwsgi: ClientPeer | undefined;
let project = "";
beforeAll(async () => {
  ensureDist();
  uwsgi = await startClientPeer({ threads: 2 });
  // A project that installed the package (a link, as `npm install ../uwsgi-codec` makes).
  project = mkdtempSync(join(tmpdir(), "uwsgi-codec-example-"));
  mkdirSync(join(project, "node_modules"));
  symlinkSync(ROOT, join(project, "node_modules", "uwsgi-codec"), "dir");
  copyFileSync(join(ROOT, "examples", "gateway.mjs"), join(project, "gateway.mjs"));
}, 120_000);
afterAll(async () => {
  await uwsgi?.stop();
  if (project !== "") rmSync(project, { recursive: true, force: true });
});

interface Run {
  readonly child: ChildProcess;
  stderr(): string;
  stop(): Promise<void>;
}

function run(script: string, args: string[]): Run {
  const child = spawn(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  child.stderr!.on("data", (d: Buffer) => {
    err += d.toString();
  });
  child.stdout!.resume();
  return {
    child,
    stderr: () => err,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      await exited;
    },
  };
}

async function environOf(answer: Response): Promise<Map<string, string>> {
  const json = (await answer.json()) as { environ: [string, string][] };
  return new Map(
    json.environ.map(([k, v]) => [
      Buffer.from(k, "hex").toString("latin1"),
      Buffer.from(v, "hex").toString("latin1"),
    ]),
  );
}

describe("examples/gateway.mjs", () => {
  for (const where of ["the repository", "a project that installed the package"]) {
    it(`from ${where}: --upstream PORT is a port on 127.0.0.1`, async () => {
      const script =
        where === "the repository"
          ? join(ROOT, "examples", "gateway.mjs")
          : join(project, "gateway.mjs");
      const port = await freePort();
      const gateway = run(script, ["--listen", String(port), "--upstream", String(uwsgi!.port)]);
      try {
        await waitForPort(port, 10_000, () => gateway.child.exitCode === null);
        const answer = await fetch(`http://127.0.0.1:${port}/hello?x=1`);
        expect(answer.status).toBe(200);
        const environ = await environOf(answer);
        expect([environ.get("PATH_INFO"), environ.get("QUERY_STRING")]).toEqual(["/hello", "x=1"]);
        expect(gateway.stderr()).toBe("");
      } finally {
        await gateway.stop();
      }
    });
  }

  it("an upstream nobody answers at: a line on stderr at start, then 502 until it is up", async () => {
    const port = await freePort();
    const dead = await freePort();
    const gateway = run(join(ROOT, "examples", "gateway.mjs"), [
      "--listen",
      `127.0.0.1:${port}`,
      "--upstream",
      String(dead),
    ]);
    try {
      await waitForPort(port, 10_000, () => gateway.child.exitCode === null);
      const deadline = Date.now() + 5000;
      while (!gateway.stderr().includes("cannot reach") && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(gateway.stderr()).toBe(
        `gateway: cannot reach uwsgi at ${dead} (ECONNREFUSED); answering 502 until it is up\n`,
      );
      const answer = await fetch(`http://127.0.0.1:${port}/`);
      expect([answer.status, answer.statusText]).toEqual([502, "Bad Gateway"]);
      expect(gateway.child.exitCode).toBe(null);
    } finally {
      await gateway.stop();
    }
  });

  it("an --upstream that is not an address: exit 2 with the reason", async () => {
    const gateway = run(join(ROOT, "examples", "gateway.mjs"), ["--upstream", "localhost"]);
    const [code] = (await once(gateway.child, "exit")) as [number];
    expect(code).toBe(2);
    expect(gateway.stderr()).toContain(
      'gateway: --upstream "localhost" is not a port, host:port or a socket path',
    );
  });
});
