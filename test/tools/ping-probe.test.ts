// `ping` and `probe` against real uWSGI: uwsgi --ping's exit codes up, down and with a warning;
// the buffer-size probe finds 4096 and 32768 where uWSGI was started with them, and the vars
// limit where it was started with --max-vars.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { probe } from "../../src/tools/probe.js";
import { startUwsgi, type UwsgiPeer } from "../interop/support/uwsgi.js";
import { cli } from "./support/cli.js";

const PING = ["--plugin", "ping"];
let up: UwsgiPeer | undefined;
let warned: UwsgiPeer | undefined;

beforeAll(async () => {
  up = await startUwsgi({ bufferSize: 4096, extraArgs: PING });
  warned = await startUwsgi({ app: "fixtures/apps/warning.py", extraArgs: PING });
});
afterAll(async () => {
  await up?.stop();
  await warned?.stop();
});

/** uWSGI's own ping client (its ping plugin provides --ping). */
function uwsgiPing(address: string) {
  return spawnSync("uwsgi", ["--plugin", "ping", "--ping", address], { timeout: 10_000 });
}

/** A port nothing listens on (it was free a moment ago). */
async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe("ping", () => {
  it("exits 0 on a pong and prints its latency, -c N pongs N times", async () => {
    const run = await cli(["ping", `127.0.0.1:${up!.port}`, "-c", "3", "-i", "50ms"]);
    expect(run.code).toBe(0);
    const lines = run.stdout.toString().split("\n");
    expect(
      lines.filter((l) => /^pong from 127\.0\.0\.1:\d+: seq=\d time=\d+\.\d{3} ms$/.test(l)),
    ).toHaveLength(3);
    expect(run.stdout.toString()).toContain("3 sent, 3 pongs, 0% lost\nrtt min/avg/max/mdev = ");
  });

  it("exits 1 when nothing listens, as uwsgi --ping does", async () => {
    const port = await deadPort();
    const ours = await cli(["ping", `:${port}`]);
    const theirs = uwsgiPing(`127.0.0.1:${port}`);
    expect([ours.code, theirs.status]).toEqual([1, 1]);
    expect(ours.stdout.toString()).toContain("1 sent, 0 pongs, 100% lost");
  });

  it("exits 2 with the warning a pong carries, as uwsgi --ping does", async () => {
    const ours = await cli(["ping", `127.0.0.1:${warned!.port}`]);
    const theirs = uwsgiPing(`127.0.0.1:${warned!.port}`);
    expect([ours.code, theirs.status]).toEqual([2, 2]);
    expect(ours.stdout.toString()).toContain("warning: disk almost full");
  });

  it("exits 1 for a server without the ping plugin (it closes without a pong)", async () => {
    const plain = await startUwsgi();
    try {
      const ours = await cli(["ping", `127.0.0.1:${plain.port}`, "-W", "2"]);
      const theirs = uwsgiPing(`127.0.0.1:${plain.port}`);
      expect([ours.code, theirs.status]).toEqual([1, 1]);
    } finally {
      await plain.stop();
    }
  });
});

describe("probe", () => {
  // On a loaded machine uWSGI can refuse a packet (read its header, close) before the rest of it
  // has arrived: its FIN comes first and the reset only when the rest meets the closed socket.
  // This server does exactly that, every time, for packets over 1000 bytes; it read that size
  // 65535 (every clean close taken for "read") before.
  it("takes a clean close followed by a reset as a refusal", async () => {
    const server = createServer({ allowHalfOpen: true }, (socket) => {
      let got = 0;
      let size = -1;
      socket.on("data", (chunk: Buffer) => {
        got += chunk.length;
        if (size < 0) size = 4 + chunk.readUInt16LE(1);
        if (size > 1000) {
          socket.end();
          setTimeout(() => socket.resetAndDestroy(), 10);
        } else if (got >= size) socket.end();
      });
      socket.on("error", () => {});
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const port = (server.address() as { port: number }).port;
      const report = await probe({ host: "127.0.0.1", port });
      expect(report.bufferSize).toBe(996);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it("finds --buffer-size 4096", async () => {
    const report = await probe({ host: "127.0.0.1", port: up!.port });
    expect(report.ping.alive).toBe(true);
    expect(report.bufferSize).toBe(4096);
    expect(report.advice.join("\n")).toContain("Its --buffer-size is 4096");
  });

  it("finds --buffer-size 32768, without the ping plugin too, over TCP and a unix socket, and prints it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "uwsgi-codec-probe-"));
    const path = join(dir, "uwsgi.sock");
    const big = await startUwsgi({ bufferSize: 32768, extraArgs: ["--socket", path] });
    try {
      expect((await probe({ path })).bufferSize).toBe(32768);
      const run = await cli(["probe", `127.0.0.1:${big.port}`, "--json"]);
      expect(run.code).toBe(0);
      const report = JSON.parse(run.stdout.toString()) as {
        bufferSize: number;
        ping: { alive: boolean };
      };
      expect([report.bufferSize, report.ping.alive]).toEqual([32768, false]);
      const text = await cli(["probe", `127.0.0.1:${big.port}`]);
      expect(text.stdout.toString()).toMatch(/buffer-size {2}32768 bytes of vars/);
    } finally {
      await big.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("with --app, finds the vars limit of --max-vars (two vars a unit) and tries a chunked body", async () => {
    const limited = await startUwsgi({ extraArgs: ["--max-vars", "32"] });
    try {
      const report = await probe({ host: "127.0.0.1", port: limited.port }, { app: true });
      expect(report.bufferSize).toBe(65535);
      expect(report.maxVars).toBe(64);
      expect(report.chunked?.tried).toBe(true);
    } finally {
      await limited.stop();
    }
  });

  it("exits 1 when nothing reads packets there", async () => {
    const run = await cli(["probe", `:${await deadPort()}`, "-W", "1"]);
    expect(run.code).toBe(1);
    expect(run.stdout.toString()).toContain("nothing read");
  });
});
