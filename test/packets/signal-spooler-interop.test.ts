// Signals, spooler jobs and echo against real uWSGI 2.0.21 (Debian's signal, spooler and echo
// plugins): a signal Node raises runs the Python handler registered for it, a job Node queues is
// run by uWSGI's spooler with exactly the vars sent, and a job for later sits on disk as a
// spool file that decodeSpoolFile reads back.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeSpoolFile } from "../../src/index.js";
import { echo, raiseSignal, spool } from "../../src/node.js";
import { type PacketsPeer, startPacketsUwsgi } from "./support/uwsgi-app.js";

let uwsgi: PacketsPeer;

beforeAll(async () => {
  uwsgi = await startPacketsUwsgi();
});

afterAll(async () => {
  await uwsgi?.stop();
});

const at = () => ({ host: uwsgi.host, port: uwsgi.port });

/** Polls `read` until `done` says yes (the handler and the spooler run in other processes). */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  let value = await read();
  for (let i = 0; i < 200 && !done(value); i++) {
    await new Promise((r) => setTimeout(r, 25));
    value = await read();
  }
  return value;
}

const signals = async () => (await uwsgi.route("/signals")).body.toString();
const spooled = async () =>
  JSON.parse((await uwsgi.route("/spooled")).body.toString()) as Record<string, string>[];
const hexKey = (s: string) => Buffer.from(s, "latin1").toString("hex");

describe("signal (modifier1 110)", () => {
  it("raiseSignal(17): uWSGI queues it and the Python handler runs", async () => {
    expect(await raiseSignal(at(), 17)).toBe(true);
    expect(await until(signals, (s) => s.includes("17\n"))).toBe("17\n");
  });

  it("a signal without a handler is queued all the same (uWSGI does not say)", async () => {
    expect(await raiseSignal(at(), 99)).toBe(true);
    expect(await raiseSignal(at(), 17)).toBe(true);
    // The handler ran for 17 only.
    expect(await until(signals, (s) => s === "17\n17\n")).toBe("17\n17\n");
  });
});

describe("spooler jobs (modifier1 17)", () => {
  it("the spooler runs the job with exactly the vars sent, binary bytes included", async () => {
    const vars: [string, Buffer][] = [
      ["job", Buffer.from("first")],
      ["binary", Buffer.from([0, 0xff, 0x0d, 0x0a])],
      ["empty", Buffer.alloc(0)],
    ];
    expect(await spool(at(), vars)).toBe(true);
    const jobs = await until(spooled, (list) => list.length > 0);
    expect(jobs).toHaveLength(1);
    const job = { ...jobs[0]! };
    // uWSGI's Python spooler adds the spool file's name.
    expect(Buffer.from(job[hexKey("spooler_task_name")]!, "hex").toString()).toMatch(
      /^uwsgi_spoolfile_on_/,
    );
    delete job[hexKey("spooler_task_name")];
    expect(job).toEqual(Object.fromEntries(vars.map(([k, v]) => [hexKey(k), v.toString("hex")])));
  });

  it("a job naming its spooler by directory runs; an unknown spooler is refused (false)", async () => {
    expect(await spool(at(), { job: "second", spooler: uwsgi.spoolDir })).toBe(true);
    expect(await spool(at(), { job: "lost", spooler: "/no/such/spooler" })).toBe(false);
    const jobs = await until(spooled, (list) => list.length >= 2);
    expect(jobs.map((j) => Buffer.from(j[hexKey("job")]!, "hex").toString())).toEqual([
      "first",
      "second",
    ]);
  });

  it("a job for later waits in a priority directory as a spool file: the packet we sent", async () => {
    const later = String(Math.floor(Date.now() / 1000) + 3600);
    const vars = { job: "later", priority: "5", at: later };
    expect(await spool(at(), vars)).toBe(true);
    const files = await until(
      () => readdir(join(uwsgi.spoolDir, "5")).catch(() => [] as string[]),
      (list) => list.length > 0,
    );
    expect(files).toHaveLength(1);
    const file = decodeSpoolFile(await readFile(join(uwsgi.spoolDir, "5", files[0]!)));
    expect(file.vars.toObject()).toEqual(vars);
    expect(file.body.length).toBe(0);
  });
});

describe("echo (modifier1 101)", () => {
  it("the payload comes back alone", async () => {
    const payload = Buffer.from([0, 1, 2, 0xff, 0x0d, 0x0a]);
    expect((await echo(at(), payload)).equals(payload)).toBe(true);
    const big = Buffer.alloc(60_000, 0x61);
    expect((await echo(at(), big)).equals(big)).toBe(true);
  });
});
