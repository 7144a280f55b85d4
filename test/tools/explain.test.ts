// `explain` on log lines that real uWSGI and nginx wrote while these tests made them fail: HTTP
// sent to the uwsgi socket, a request over --buffer-size (uWSGI's line and nginx's), an upstream
// timeout, a refused connection, an unknown modifier1, too many vars.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodePacket } from "../../src/codec/packet.js";
import { explainLogLine } from "../../src/tools/explain.js";
import { exchange, rawHttp } from "../interop/support/exchange.js";
import { type NginxPeer, startNginx, uwsgiLocation } from "../interop/support/nginx.js";
import { freePort } from "../interop/support/ports.js";
import { startUwsgi, type UwsgiPeer } from "../interop/support/uwsgi.js";
import { cli } from "./support/cli.js";

let uwsgi: UwsgiPeer | undefined;
let nginx: NginxPeer | undefined;
let refused: NginxPeer | undefined;

beforeAll(async () => {
  uwsgi = await startUwsgi({ bufferSize: 4096 });
  nginx = await startNginx(
    `${uwsgiLocation(`127.0.0.1:${uwsgi.port}`)}\n      uwsgi_read_timeout 1s;`,
  );
  refused = await startNginx(uwsgiLocation(`127.0.0.1:${await freePort()}`));
});
afterAll(async () => {
  await nginx?.stop();
  await refused?.stop();
  await uwsgi?.stop();
});

/** The last line of `log` that contains `needle` (waits a little: logs are written async). */
async function lineWith(log: () => string, needle: string): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const line = log()
      .split("\n")
      .filter((l) => l.includes(needle))
      .at(-1);
    if (line !== undefined) return line;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no "${needle}" in the log:\n${log().slice(-2000)}`);
}

const get = (path: string, extra = "") =>
  rawHttp(`
    GET ${path} HTTP/1.1
    Host: localhost${extra}
    Connection: close`);

describe("explain on real uWSGI lines", () => {
  it('HTTP to the uwsgi socket: 21573 is 0x5445, the bytes "ET" of "GET "', async () => {
    await exchange(uwsgi!.port, [get("/")]).catch(() => undefined);
    const line = await lineWith(uwsgi!.logs, "invalid request block size: 21573");
    expect(line).toContain("(max 4096)");
    const e = explainLogLine(line);
    expect([e.source, e.kind]).toEqual(["uwsgi", "HTTP_ON_UWSGI_SOCKET"]);
    expect(e.details[0]).toContain(
      '0x5445, read little-endian, so bytes 1-2 of the header are 45 54 ("ET" as text)',
    );
    const run = await cli(["explain", line]);
    expect(run.code).toBe(0);
    expect(run.stdout.toString()).toContain("uwsgi_pass");
  });

  it("a request over --buffer-size: uWSGI's block size and nginx's reset", async () => {
    const cookie = `\n    Cookie: ${"a".repeat(5000)}`;
    await exchange(nginx!.port, [get("/big", cookie)]);
    const ours = await lineWith(uwsgi!.logs, "invalid request block size: 5");
    const n = Number(/size: (\d+)/.exec(ours)![1]);
    const e = explainLogLine(ours);
    expect([e.kind, e.advice[0]]).toEqual([
      "BLOCK_SIZE",
      `Raise --buffer-size to at least ${n} (at most 65535: 65536 wraps to 0 in uWSGI 2.0).`,
    ]);
    const theirs = await lineWith(nginx!.errorLog, "while reading response header from upstream");
    expect(theirs).toContain("recv() failed (104: Connection reset by peer)");
    expect(explainLogLine(theirs).kind).toBe("UPSTREAM_RESET");
  });

  it("a modifier1 no plugin serves, and too many vars", async () => {
    await exchange(uwsgi!.port, [encodePacket({ modifier1: 5, vars: { A: "b" } })]);
    const unknown = await lineWith(uwsgi!.logs, "unavailable modifier requested: 5");
    expect(explainLogLine(unknown)).toMatchObject({ kind: "UNAVAILABLE_MODIFIER" });
    const many = Array.from({ length: 140 }, (_, i) => [`V${i}`, "x"] as [string, string]);
    await exchange(uwsgi!.port, [encodePacket({ vars: many })]);
    const line = await lineWith(uwsgi!.logs, "max vec size reached");
    expect(explainLogLine(line).kind).toBe("TOO_MANY_VARS");
  });
});

describe("explain on real nginx lines", () => {
  it("uwsgi_read_timeout: upstream timed out", async () => {
    await exchange(nginx!.port, [get("/slow/1500")]);
    const line = await lineWith(nginx!.errorLog, "upstream timed out");
    const e = explainLogLine(line);
    expect([e.source, e.kind]).toEqual(["nginx", "UPSTREAM_TIMEOUT"]);
    expect(e.summary).toContain("uwsgi_read_timeout");
    expect(e.details[0]).toMatch(/^The upstream was uwsgi:\/\/127\.0\.0\.1:\d+\.$/);
  });

  it("nothing listening: connect() failed (111: Connection refused)", async () => {
    await exchange(refused!.port, [get("/")]);
    const line = await lineWith(refused!.errorLog, "connect() failed");
    expect(explainLogLine(line).kind).toBe("UPSTREAM_CONNECT_FAILED");
  });

  it("lines from stdin: the known ones are explained, the rest skipped; an unknown line exits 1", async () => {
    const log = `${await lineWith(nginx!.errorLog, "upstream timed out")}\nsome other line\n`;
    const run = await cli(["explain", "-", "--json"], log);
    expect(run.code).toBe(0);
    const lines = run.stdout.toString().trim().split("\n");
    expect(lines.map((l) => (JSON.parse(l) as { kind: string }).kind)).toEqual([
      "UPSTREAM_TIMEOUT",
    ]);
    const unknown = await cli(["explain", "nothing to see"]);
    expect(unknown.code).toBe(1);
  });
});
