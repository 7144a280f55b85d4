import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { gapStorm } from "../../scripts/lib/hostile-captures.mjs";
import {
  type CliIo,
  type CliProcess,
  ExitCode,
  isEntryPoint,
  main,
  runCli,
} from "../../src/cli/main.js";
import { safeText } from "../../src/cli/render.js";
import { encodePacket } from "../../src/codec/packet.js";
import { capturePath, EXPECTED, readCapture } from "../capture/support/fixtures.js";
import { writePcap } from "../capture/support/pcap-writer.js";
import { sha256 } from "../support/bytes.js";

/** A fake terminal or pipe that keeps what is written. */
class FakeOutput {
  text = "";
  readonly isTTY: boolean;
  #full: boolean;
  #drain: (() => void) | null = null;
  constructor(isTTY = false, full = false) {
    this.isTTY = isTTY;
    this.#full = full;
  }
  write(s: string): boolean {
    this.text += s;
    if (this.#full) {
      // Says "full" once, then drains on the next tick: exercises the CLI's backpressure wait.
      this.#full = false;
      setImmediate(() => this.#drain?.());
      return false;
    }
    return true;
  }
  once(_event: "drain", listener: () => void): this {
    this.#drain = listener;
    return this;
  }
}

async function run(
  argv: string[],
  options: {
    tty?: boolean;
    errTty?: boolean;
    env?: Record<string, string>;
    stdin?: Uint8Array;
    full?: boolean;
  } = {},
) {
  const stdout = new FakeOutput(options.tty ?? false, options.full ?? false);
  const stderr = new FakeOutput(options.errTty ?? false);
  const io: CliIo = {
    stdout,
    stderr,
    env: options.env ?? {},
    ...(options.stdin !== undefined
      ? {
          stdin: (async function* () {
            yield options.stdin!;
          })(),
        }
      : {}),
  };
  const code = await main(argv, io);
  return { code, out: stdout.text, err: stderr.text };
}

const temps: string[] = [];
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

describe("uwsgi-codec decode", () => {
  it("prints every exchange of a capture, readable, without colours on a pipe", async () => {
    const { code, out, err } = await run(["decode", capturePath("lo.pcapng")]);
    expect(code).toBe(ExitCode.OK);
    expect(out).not.toContain("\u001b[");
    for (let id = 1; id <= EXPECTED.requests.length; id++) expect(out).toContain(`#${id}  `);
    expect(out).toContain("GET /index.html?a=1&b=two");
    expect(out).toContain("POST /upload/102400");
    expect(out).toContain("HTTP/1.1 404 Test");
    expect(out).toContain("      Content-Type: application/json\n");
    expect(out).toContain("PING (100/0)");
    expect(out).toContain("uwsgi packet PING (100/1) datasize 0");
    expect(out).toMatch(/body {6}102400 B sha256 9671e0816e301f46…/);
    expect(err).toMatch(
      /^9 exchange\(s\), 0 with errors in \d+ frames, 16 TCP connection\(s\) \(9 uwsgi\); pcapng input, \d+ bytes\n$/,
    );
  });

  it("shows uWSGI's other answers as uWSGI frames them, and a cache set's value; --body writes contents", async () => {
    const dir = mkdtempSync(join(tmpdir(), "uwsgi-codec-cli-packets-"));
    try {
      const { code, out } = await run([
        "decode",
        capturePath("packets.pcapng"),
        "--body",
        dir,
        "-q",
      ]);
      expect(code).toBe(ExitCode.OK);
      // RPC over 64 KiB: the vars head, then the 70000-byte result.
      expect(out).toMatch(/uwsgi packet RPC \(173\/5\) datasize 23, content 70000 B sha256 /);
      expect(out).toContain("uwsgi packet RESPONSE (255/1) datasize 0");
      expect(out).toMatch(/body {6}5 B \(value\) sha256 [0-9a-f]{16}… {2}"hello"/);
      const json = (await run(["decode", capturePath("packets.pcapng"), "--json", "-q"])).out
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l));
      const big = json.find((e) => e.answer?.packets?.[0]?.modifier2 === 5);
      expect(big.answer.body).toMatchObject({ length: 70000, complete: true });
      expect(readFileSync(join(dir, `${big.id}.answer.bin`)).length).toBe(70000);
      const set = json.find((e) => e.bodyFraming === "size");
      expect([set.contentLength, set.body.length]).toEqual([5, 5]);
      expect(readFileSync(join(dir, `${set.id}.request.bin`), "latin1")).toBe("hello");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("colours on a terminal, not with NO_COLOR, and as asked", async () => {
    const file = capturePath("lo.pcap");
    expect((await run(["decode", file], { tty: true })).out).toContain("\u001b[1m#1");
    expect((await run(["decode", file], { tty: true, env: { NO_COLOR: "1" } })).out).not.toContain(
      "\u001b[",
    );
    expect((await run(["decode", file, "--color"])).out).toContain("\u001b[");
    expect((await run(["decode", file, "--no-color"], { tty: true })).out).not.toContain("\u001b[");
  });

  it("--json gives one object per line; --vars filters the vars", async () => {
    const { code, out } = await run([
      "decode",
      capturePath("any-sll2.pcapng"),
      "--json",
      "--vars",
      "REQUEST_METHOD,HTTP_X_REQ_ID",
      "--vars",
      "PATH_INFO",
      "-q",
    ]);
    expect(code).toBe(0);
    const lines = out
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(EXPECTED.requests.length);
    const post = lines.find((l) =>
      l.vars?.some(([k, v]: string[]) => k === "PATH_INFO" && v === "/upload/102400"),
    );
    expect(post.vars.map(([k]: string[]) => k).sort()).toEqual([
      "HTTP_X_REQ_ID",
      "PATH_INFO",
      "REQUEST_METHOD",
    ]);
    expect(post.body.sha256).toBe(
      EXPECTED.requests.find((r) => r.path === "/upload/102400")!.body_sha256,
    );
    expect(post.server).toBe(`127.0.0.1:${EXPECTED.uwsgiPort}`);
    expect(post.requestTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    expect(post.answer).toMatchObject({ kind: "http", status: 200, complete: true });
    const ping = lines.find((l) => l.modifier1 === 100);
    expect(ping.answer.packets).toEqual([
      { modifier1: 100, modifier2: 1, modifierName: "PING", datasize: 0, previewHex: "" },
    ]);
  });

  it("--body DIR writes each body to a file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "uwsgi-codec-cli-"));
    temps.push(dir);
    const bodies = join(dir, "bodies");
    const { code } = await run([
      "decode",
      capturePath("lo.pcapng"),
      "--body",
      bodies,
      "--port",
      String(EXPECTED.uwsgiPort),
    ]);
    expect(code).toBe(0);
    const files = readdirSync(bodies);
    for (const req of EXPECTED.requests) {
      if ((req.body_length ?? 0) === 0) continue;
      const hit = files
        .filter((f) => f.endsWith(".request.bin"))
        .map((f) => readFileSync(join(bodies, f)))
        .find((b) => sha256(b) === req.body_sha256);
      expect(hit?.length, `request ${req.id}`).toBe(req.body_length);
    }
    expect(files.filter((f) => f.endsWith(".answer.bin")).length).toBe(8);
  });

  it("reads stdin for -, raw bytes and hex dumps", async () => {
    const packet = encodePacket({ vars: { REQUEST_METHOD: "GET", PATH_INFO: "/x" } });
    const rpc = await run(["decode", "-"], {
      stdin: encodePacket({ modifier1: 173, items: ["hello", "\u0001"] }),
    });
    expect(rpc.out).toContain('payload   "\\x05\\x00hello\\x01\\x00\\x01"');
    const raw = await run(["decode", "-"], { stdin: packet });
    expect(raw.code).toBe(0);
    expect(raw.out).toContain("GET /x");
    expect(raw.err).toContain("raw input");
    const hex = await run(["decode", "-", "--format", "hex"], {
      stdin: Buffer.from(Buffer.from(packet).toString("hex")),
    });
    expect(hex.out).toContain("GET /x");
    const file = await run(["decode", capturePath("../packets/browser-get.hex")]);
    expect(file.code).toBe(0);
    expect(file.out).toContain("GET /shop/products/4711?ref=home&utm_source=newsletter");
    const none = await main(["decode", "-"], {
      stdout: new FakeOutput(),
      stderr: new FakeOutput(),
    });
    expect(none).toBe(ExitCode.NOT_A_CAPTURE);
  });

  it("escapes control characters from the wire in human output, not in JSON", async () => {
    const evil = encodePacket({
      vars: { REQUEST_METHOD: "GET", PATH_INFO: "/\u001b[2Jx\r\n\u0085", X: "\u0007" },
    });
    const { out } = await run(["decode", "-"], { stdin: evil });
    const control = [...out].filter((c) => {
      const code = c.charCodeAt(0);
      return (code < 0x20 && code !== 0x0a) || (code >= 0x7f && code <= 0x9f);
    });
    expect(control).toEqual([]);
    expect(out).toContain("GET /\\x1b[2Jx\\x0d\\x0a\\x85");
    expect(out).toMatch(/\n {6}X {15}\\x07\n/);
    const json = await run(["decode", "-", "--json"], { stdin: evil });
    expect(JSON.parse(json.out).vars).toContainEqual(["X", "\u0007"]);
    expect(safeText("plain é")).toBe("plain é");
  });

  it("exit 1 when an exchange has errors, and prints them", async () => {
    const bad = Buffer.concat([
      encodePacket({ vars: { CONTENT_LENGTH: "10" } }),
      Buffer.from("short"),
    ]);
    const { code, out, err } = await run(["decode", "-"], { stdin: bad });
    expect(code).toBe(ExitCode.DECODE_ERRORS);
    expect(out).toContain("error     TRUNCATED request@");
    expect(out).toContain("(incomplete)");
    expect(err).toContain("1 exchange(s), 1 with errors");
  });

  it("exit 1 for a capture damaged after its start, with what was decoded printed", async () => {
    const file = readCapture("lo.pcap");
    const { code, out, err } = await run(["decode", "-", "--json"], {
      stdin: file.subarray(0, file.length - 100),
    });
    expect(code).toBe(ExitCode.DECODE_ERRORS);
    expect(out.trimEnd().split("\n").length).toBeGreaterThan(0);
    expect(err).toContain("TRUNCATED");
  });

  it("exit 3 for what is no capture, a missing file, an empty input or a bad file header", async () => {
    const text = await run(["decode", "-"], { stdin: Buffer.from("hello, I am a text file\n") });
    expect(text.code).toBe(ExitCode.NOT_A_CAPTURE);
    expect(text.err).toContain("NOT_A_CAPTURE");
    const missing = await run(["decode", "/nonexistent/file.pcap"]);
    expect(missing.code).toBe(ExitCode.NOT_A_CAPTURE);
    // The system's words, once: no "ENOENT: ENOENT:".
    expect(missing.err).toBe(
      "uwsgi-codec: /nonexistent/file.pcap: cannot read it: ENOENT: no such file or directory, open '/nonexistent/file.pcap' (offset 0)\n",
    );
    expect((await run(["decode", "-"], { stdin: Buffer.alloc(0) })).code).toBe(
      ExitCode.NOT_A_CAPTURE,
    );
    const badVersion = Buffer.from(readCapture("lo.pcap"));
    badVersion.writeUInt16LE(9, 4);
    const bad = await run(["decode", "-"], { stdin: badVersion });
    expect(bad.code).toBe(ExitCode.NOT_A_CAPTURE);
    expect(bad.err).toContain("BAD_FILE_HEADER");
  });

  it("usage errors exit 2 with the help", async () => {
    for (const argv of [[], ["frobnicate"], ["--json"]]) {
      const { code, err } = await run(argv);
      expect(code, argv.join(" ")).toBe(ExitCode.USAGE);
      expect(err).toContain("Usage: uwsgi-codec COMMAND");
    }
    for (const argv of [
      ["decode"],
      ["decode", "a", "b"],
      ["decode", "a", "--port", "x"],
      ["decode", "a", "--port", "0"],
      ["decode", "a", "--format", "gif"],
      ["decode", "a", "--no-heuristic"],
      ["decode", "a", "--what"],
    ]) {
      const { code, err } = await run(argv);
      expect(code, argv.join(" ")).toBe(ExitCode.USAGE);
      expect(err).toContain("Usage: uwsgi-codec decode FILE");
    }
    const dir = mkdtempSync(join(tmpdir(), "uwsgi-codec-cli-"));
    temps.push(dir);
    const { code, err } = await run([
      "decode",
      capturePath("lo.pcap"),
      "--body",
      join(capturePath("lo.pcap"), "x"),
    ]);
    expect(code).toBe(ExitCode.USAGE);
    expect(err).toContain("--body");
  });

  it("--help and --version", async () => {
    const help = await run(["--help"]);
    expect(help.code).toBe(0);
    expect(help.out).toContain("Exit codes:");
    expect((await run(["help"])).out).toBe(help.out);
    const version = await run(["--version"]);
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
    expect(version.out).toBe(`uwsgi-codec ${pkg.version}\n`);
  });

  it("--port with --heuristic, --no-heuristic, and a full stdout", async () => {
    const both = await run(["decode", capturePath("lo.pcapng"), "--port", "1", "--heuristic"], {
      full: true,
    });
    expect(both.err).toContain("9 exchange(s)");
    const none = await run(["decode", capturePath("lo.pcapng"), "--port", "1", "--no-heuristic"]);
    expect(none.err).toContain("0 exchange(s)");
  });

  it("shows progress on a terminal stderr for large files only", async () => {
    const small = await run(["decode", capturePath("lo.pcapng")], { errTty: true });
    expect(small.err).not.toContain("reading");
    // 17 MiB of frames that are not IP, then the fixture's traffic.
    const dir = mkdtempSync(join(tmpdir(), "uwsgi-codec-cli-"));
    temps.push(dir);
    const big = join(dir, "big.pcap");
    const junk = Array.from({ length: 68 }, (_, i) => ({
      linkType: 1,
      data: Buffer.alloc(256 * 1024, i),
      seconds: i,
      nanos: 0,
    }));
    writeFileSync(big, writePcap(junk));
    const slow = await run(["decode", big], { errTty: true });
    expect(slow.code).toBe(0);
    expect(slow.err).toMatch(/\rreading \d+% \([\d.]+ MiB\)/);
    expect(slow.err).toContain("\r\u001b[K");
    const pipe = await run(["decode", big]);
    expect(pipe.err).not.toContain("reading");
  });

  it("runCli runs main on a process and sets its exit code; EPIPE ends it quietly", async () => {
    const out = new FakeOutput();
    const err = new FakeOutput();
    let onError: ((e: Error) => void) | undefined;
    let exited: number | undefined;
    const proc: CliProcess = {
      argv: ["node", "uwsgi-codec", "decode", capturePath("lo.pcap"), "-q"],
      stdout: Object.assign(out, {
        on: (_: "error", l: (e: Error) => void) => {
          onError = l;
          return out;
        },
      }),
      stderr: err,
      stdin: (async function* () {})(),
      env: {},
      exit: ((code: number) => {
        exited = code;
      }) as CliProcess["exit"],
    };
    await runCli(proc);
    expect(proc.exitCode).toBe(0);
    expect(out.text).toContain("#9");
    const epipe = Object.assign(new Error("broken pipe"), { code: "EPIPE" });
    onError!(epipe);
    expect(exited).toBe(0);
    expect(() => onError!(new Error("other"))).toThrow("other");
    // An exception that is no CaptureError is an internal error, exit 70.
    const failing = Object.assign(new FakeOutput(), {
      write: (): boolean => {
        throw new Error("boom");
      },
      on: () => undefined,
    });
    const broken: CliProcess = { ...proc, stdout: failing, exitCode: undefined };
    await runCli(broken);
    expect(broken.exitCode).toBe(ExitCode.INTERNAL);
    expect(err.text).toContain("uwsgi-codec: internal error: Error: boom");
    expect(isEntryPoint(undefined)).toBe(false);
    expect(isEntryPoint("/nonexistent")).toBe(false);
    expect(isEntryPoint(new URL("../../src/cli/main.ts", import.meta.url).pathname)).toBe(true);
  });

  it("the bin file starts with a node shebang", () => {
    const src = readFileSync(new URL("../../src/cli/main.ts", import.meta.url), "utf8");
    expect(src.startsWith("#!/usr/bin/env node\n")).toBe(true);
    expect(existsSync(capturePath("lo.pcapng"))).toBe(true);
  });
});

describe("uwsgi-codec decode says when it found nothing, and why", () => {
  it("--vars names no exchange has: said, with the right case when only the case differs", async () => {
    const { code, out, err } = await run([
      "decode",
      capturePath("lo.pcapng"),
      "--vars",
      "request_uri,NO_SUCH_VAR,PATH_INFO",
      "-q",
    ]);
    expect(code).toBe(ExitCode.OK);
    expect(out).toContain("PATH_INFO");
    expect(err).toBe(
      "uwsgi-codec: --vars request_uri: no exchange has this var; did you mean REQUEST_URI? (names are case-sensitive)\n" +
        "uwsgi-codec: --vars NO_SUCH_VAR: no exchange has this var\n",
    );
  });

  it("--port where there is no uwsgi: says which ports carry it", async () => {
    const { code, out, err } = await run(["decode", capturePath("lo.pcapng"), "--port", "80"]);
    expect(code).toBe(ExitCode.OK);
    expect(out).toBe("");
    const uwsgi = EXPECTED.uwsgiPort;
    expect(err).toContain(
      `uwsgi-codec: no uwsgi exchange on port 80; 9 connection(s) on other ports look like uwsgi: ${uwsgi} (9); try --port ${uwsgi}, or --heuristic\n`,
    );
    const right = await run(["decode", capturePath("lo.pcapng"), "--port", String(uwsgi), "-q"]);
    expect(right.err).toBe("");
  });

  it("a capture without uwsgi: says none of its connections looks like it", async () => {
    const file = readCapture("lo.pcapng");
    const { code, err } = await run(["decode", "-", "-q"], {
      stdin: writePcap(
        Array.from({ length: 3 }, (_, i) => ({
          linkType: 1,
          data: Buffer.alloc(60, i),
          seconds: i,
          nanos: 0,
        })),
      ),
    });
    expect(code).toBe(ExitCode.OK);
    expect(err).toBe("uwsgi-codec: the capture holds no TCP connection\n");
    expect(file.length).toBeGreaterThan(0);
  });

  it("--format pcapng on a pcap file is refused, naming what it is", async () => {
    const { code, out, err } = await run(["decode", capturePath("lo.pcap"), "--format", "pcapng"]);
    expect(code).toBe(ExitCode.NOT_A_CAPTURE);
    expect(out).toBe("");
    expect(err).toBe(
      `uwsgi-codec: ${capturePath("lo.pcap")}: NOT_A_CAPTURE: the input is a pcap file, not pcapng: drop the format, or ask for "pcap" (offset 0)\n`,
    );
    const right = await run(["decode", capturePath("lo.pcap"), "--format", "pcap", "-q"]);
    expect(right.code).toBe(ExitCode.OK);
  });

  it("--body naming an existing file: a usage error that says so", async () => {
    const file = capturePath("lo.pcap");
    const { code, err } = await run(["decode", file, "--body", file]);
    expect(code).toBe(ExitCode.USAGE);
    expect(err).toMatch(
      /^uwsgi-codec decode: --body .*lo\.pcap: is a file, not a directory \(bodies go into a directory\)\n/,
    );
  });

  it("--body: bytes the capture lost are holes in the files, at their place", async () => {
    const dir = mkdtempSync(join(tmpdir(), "uwsgi-codec-cli-"));
    temps.push(dir);
    // A body of 6 whose bytes 0, 2 and 4 were lost; the answer loses every other byte too.
    const { code, out } = await run(["decode", "-", "--body", dir, "--json", "-q"], {
      stdin: gapStorm(3),
    });
    expect(code).toBe(ExitCode.DECODE_ERRORS);
    expect(JSON.parse(out).body).toMatchObject({ length: 3, missing: 3, sha256: null });
    expect(readFileSync(join(dir, "1.request.bin"))).toEqual(Buffer.from("\0x\0x\0x"));
    // The answer's file holds its body: the bytes after the HTTP head.
    expect(readFileSync(join(dir, "1.answer.bin"))).toEqual(Buffer.from("\0y\0y\0y"));
  });

  it("a body file that cannot be written: exit 4, with the system's reason", async () => {
    const dir = mkdtempSync(join(tmpdir(), "uwsgi-codec-cli-"));
    temps.push(dir);
    mkdirSync(join(dir, "1.request.bin"));
    const { code, err } = await run(["decode", "-", "--body", dir], { stdin: gapStorm(3) });
    expect(code).toBe(ExitCode.OUTPUT);
    expect(err).toContain(
      `uwsgi-codec: cannot write a body: ${join(dir, "1.request.bin")}: EISDIR`,
    );
  });
});
