// The tool commands' command lines: help, usage errors (exit 2), and load's outputs against
// trivial in-process servers (several URLs side by side, a run with nothing listening).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startTrivialServer } from "../../src/load/index.js";
import { FIXED, wireBytes } from "../load/support.js";
import { cli } from "./support/cli.js";

const COMMANDS = ["request", "ping", "probe", "explain", "load"];

describe("help", () => {
  it("the main help lists every command; each command has its own, with its exit codes", async () => {
    const main = await cli(["--help"]);
    for (const name of ["decode", ...COMMANDS])
      expect(main.stdout.toString()).toMatch(new RegExp(`^  ${name} `, "m"));
    for (const name of COMMANDS) {
      const run = await cli([name, "--help"]);
      expect([name, run.code]).toEqual([name, 0]);
      expect(run.stdout.toString()).toContain(`Usage: uwsgi-codec ${name} `);
      expect(run.stdout.toString()).toContain("Exit codes");
    }
  });
});

describe("usage errors exit 2 with the command's usage", () => {
  const bad: string[][] = [
    ["request"],
    ["request", "http://h/"],
    ["request", "uwsgi://h:99999/"],
    ["request", "uwsgi://h/", "-H", "no-colon"],
    ["request", "uwsgi://h/", "--var", "=x"],
    ["request", "uwsgi://h/", "--modifier1", "256"],
    ["request", "uwsgi://h/", "-X", "GE T"],
    ["request", "uwsgi://h/", "--max-time", "soon"],
    ["request", "uwsgi://h/", "--var", `K=${"\u0100"}`],
    ["ping"],
    ["ping", "nohost"],
    ["ping", "h:0"],
    ["ping", ":1", "-c", "0"],
    ["probe"],
    ["probe", ":1", "--path", "x"],
    ["explain"],
    ["load"],
    ["load", "gopher://h/"],
    ["load", "uwsgi://h/", "--fail-if", "p99"],
    ["load", "uwsgi://h/", "-n", "5", "-d", "1s"],
    ["load", "uwsgi://h/", "--data", "x", "--body-file", "y"],
    ["load", "uwsgi://h/", "--body-file", "/nonexistent/file"],
    ["load", "uwsgi://h/", "-R", "fast"],
    ["load", "--from", "x.json"],
    ["load", "--ceiling", "gopher"],
  ];
  for (const argv of bad) {
    it(argv.join(" "), async () => {
      const run = await cli(argv);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`Usage: uwsgi-codec ${argv[0]} `);
    });
  }
});

describe("load's outputs", () => {
  it("several URLs run in turn and are compared in one table; --label names a single run", async () => {
    const a = await startTrivialServer("uwsgi", wireBytes("uwsgi"));
    const b = await startTrivialServer("scgi", wireBytes("scgi"));
    try {
      const urls = [`uwsgi://127.0.0.1:${a.port}/`, `scgi://127.0.0.1:${b.port}/`];
      const run = await cli([
        "load",
        ...urls,
        "-n",
        "40",
        "-c",
        "2",
        "-H",
        "Host: x",
        "--var",
        "SERVER_PORT=1",
        "-R",
        "2000",
      ]);
      expect(run.code).toBe(0);
      const text = run.stdout.toString();
      expect(text).toContain("requests    40 completed, 0 failed, 0 not 2xx/3xx");
      expect(text).toContain("(corrected)");
      expect(text).toMatch(/^ {2}uncorrected /m);
      expect(text).toMatch(/^run +req\/s +p50 ms +p99 ms +p99\.9 ms +errors$/m);
      expect(text).toMatch(new RegExp(`^${urls[1]!.replace(/[/.]/g, "\\$&")} +[\\d,]+ `, "m"));
      const labelled = await cli([
        "load",
        urls[0]!,
        "-n",
        "5",
        "-H",
        "Host: x",
        "--var",
        "SERVER_PORT=1",
        "--label",
        "mine",
        "--json",
      ]);
      expect((JSON.parse(labelled.stdout.toString()) as { label: string }).label).toBe("mine");
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("exits 3 when no request completes, and shows progress on a terminal", async () => {
    const run = await cli(
      ["load", "uwsgi://127.0.0.1:1/", "-d", "300ms", "-c", "1"],
      undefined,
      true,
    );
    expect(run.code).toBe(3);
    expect(run.stdout.toString()).toMatch(/failed \(connect \d+\)/);
    expect(run.stderr).toContain("\r\u001b[K");
  });

  it("exits 4 when --from cannot be read or --plot written", async () => {
    const dir = mkdtempSync(join(tmpdir(), "uwsgi-codec-cmd-"));
    try {
      const bad = join(dir, "bad.json");
      writeFileSync(bad, '{"schema":"something else"}\n');
      expect((await cli(["load", "--plot", join(dir, "p.svg"), "--from", bad])).code).toBe(4);
      const server = await startTrivialServer("http", wireBytes("http"));
      try {
        const run = await cli([
          "load",
          `http://127.0.0.1:${server.port}/`,
          "-n",
          "5",
          ...FIXED.headers.flatMap(([n, v]) => ["-H", `${n}: ${v}`]),
          "--plot",
          join(dir, "no", "such", "dir.svg"),
        ]);
        expect(run.code).toBe(4);
      } finally {
        await server.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
