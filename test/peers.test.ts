// The one list of real peers (scripts/peers.sh) and what `npm test` does when they are missing:
// the check names exactly the missing Debian packages, and without root the test command stops
// before any test with the one command that installs them.
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { summarize } from "../scripts/lib/test-summary.mjs";
import { ROOT } from "./support/dist.js";

const ALL = [
  "uwsgi-core",
  "uwsgi-plugin-python3",
  "python3",
  "nginx-light",
  "php8.2-fpm",
  "php8.2-cli",
  "libfcgi-bin",
  "tshark",
  "wrk",
  "chromium",
];

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Where `name` is on the real PATH. */
function which(name: string): string {
  const found = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).stdout.trim();
  if (found === "") throw new Error(`${name} is not on PATH`);
  return found;
}

/** A directory for PATH holding links to the named commands only. */
function pathWith(commands: readonly string[]): string {
  const dir = mkdtempSync(join(tmpdir(), "uwsgi-codec-path-"));
  dirs.push(dir);
  chmodSync(dir, 0o755); // readable by the unprivileged user below
  for (const name of commands) symlinkSync(which(name), join(dir, name));
  return dir;
}

function check(env: NodeJS.ProcessEnv = process.env) {
  const result = spawnSync("/bin/bash", ["scripts/peers.sh", "check"], {
    cwd: ROOT,
    env,
    encoding: "utf8",
  });
  return { status: result.status, missing: result.stdout.split("\n").filter((l) => l !== "") };
}

describe("scripts/peers.sh check", () => {
  it("finds every peer installed on this machine", () => {
    expect(check()).toEqual({ status: 0, missing: [] });
  });

  it("names every package when no peer is on PATH and the uWSGI plugin file is absent", () => {
    const env = { PATH: pathWith([]), PEERS_ROOT: "/nonexistent" };
    expect(check(env)).toEqual({ status: 1, missing: ALL });
  });

  it("names only the packages whose command is missing", () => {
    const env = { PATH: pathWith(["uwsgi", "nginx", "chromium", "python3"]) };
    expect(check(env)).toEqual({
      status: 1,
      missing: ["php8.2-fpm", "php8.2-cli", "libfcgi-bin", "tshark", "wrk"],
    });
  });
});

describe("npm test without root and without the peers", () => {
  it("stops before any test and prints the one command that installs them", () => {
    const env = { PATH: pathWith(["node", "npm", "bash"]), HOME: tmpdir() };
    // The scripts alone in a directory anyone can read: if the command went on, it would find
    // no project to install or test there.
    const copy = mkdtempSync(join(tmpdir(), "uwsgi-codec-fresh-"));
    dirs.push(copy);
    mkdirSync(join(copy, "scripts", "lib"), { recursive: true });
    for (const name of ["test.mjs", "peers.sh", "lib/test-summary.mjs"]) {
      copyFileSync(join(ROOT, "scripts", name), join(copy, "scripts", name));
    }
    chmodSync(copy, 0o755);
    // As root (CI) the test command would install the peers: run it as nobody instead.
    const asUser =
      process.getuid?.() === 0
        ? [which("setpriv"), "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"]
        : [];
    const command = [...asUser, process.execPath, "scripts/test.mjs"];
    const result = spawnSync(command[0]!, command.slice(1), {
      cwd: copy,
      env,
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(1);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe(
      `The tests start real peers that are not installed here: ${ALL.filter((p) => p !== "uwsgi-plugin-python3").join(" ")}`,
    );
    expect(lines.at(-1)).toBe("  sudo bash scripts/peers.sh install");
    // Nothing else ran: no npm ci, type-check, build or vitest.
    expect(result.stdout).not.toContain("[npm test]");
  });
});

describe("npm test's last line", () => {
  const file = (status: string, tests: string[]) => ({
    status,
    assertionResults: tests.map((t) => ({ status: t })),
  });
  const report = (files: ReturnType<typeof file>[]) => ({
    numPassedTests: files.flatMap((f) => f.assertionResults).filter((t) => t.status === "passed")
      .length,
    numFailedTests: files.flatMap((f) => f.assertionResults).filter((t) => t.status === "failed")
      .length,
    numPendingTests: files.flatMap((f) => f.assertionResults).filter((t) => t.status === "skipped")
      .length,
    numTodoTests: 0,
    testResults: files,
  });

  it.each([
    ["all passed", [file("passed", ["passed", "passed"])], 0, [2, 0, 0]],
    ["a failed test", [file("failed", ["passed", "failed"])], 1, [1, 1, 0]],
    // The fresh-machine run that printed "0 failed" and exited 1: a beforeAll threw.
    [
      "a beforeAll that threw",
      [file("passed", ["passed"]), file("failed", ["skipped", "skipped"])],
      1,
      [1, 1, 2],
    ],
    ["a file that did not load", [file("passed", ["passed"]), file("failed", [])], 1, [1, 1, 0]],
    ["coverage under its thresholds", [file("passed", ["passed"])], 1, [1, 1, 0]],
  ] as const)("%s", (_, files, status, counts) => {
    const { passed, failed, skipped } = summarize(report([...files]), status);
    expect([passed, failed, skipped]).toEqual(counts);
  });

  it("no report is a failure", () => {
    expect(summarize(undefined, 1)).toMatchObject({ passed: 0, failed: 1 });
  });
});
