// Every code block of the README, run as written (test/support/snippets.ts says how), against
// real uWSGI and nginx where it needs them, with its comments turned into assertions. A block
// names its test in its info string (```ts test=usage); a block without one, or a name below
// without its block, fails the first test.
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateDissector } from "../src/dissector/generate.js";
import { type ClientPeer, startClientPeer } from "./client/support/uwsgi-peer.js";
import { startNginx } from "./interop/support/nginx.js";
import { freePort, waitForPort } from "./interop/support/ports.js";
import { startDaemon } from "./interop/support/process.js";
import { startPacketsUwsgi } from "./packets/support/uwsgi-app.js";
import { ensureDist, ROOT } from "./support/dist.js";
import {
  createSnippetProject,
  readSnippets,
  type Snippet,
  type SnippetProject,
  shellLines,
  withPorts,
} from "./support/snippets.js";

const README = readFileSync(join(ROOT, "README.md"), "utf8");
const { snippets, untagged } = readSnippets(README);

let project: SnippetProject | undefined;
let uwsgi: ClientPeer | undefined;

beforeAll(async () => {
  ensureDist();
  project = createSnippetProject();
  // fixtures/apps/environ_echo.py with the ping plugin, on TCP and a unix socket.
  uwsgi = await startClientPeer({ ping: true, unix: true });
}, 60_000);

afterAll(async () => {
  await uwsgi?.stop();
  project?.remove();
});

/** Runs a ts/js snippet; fails with its output unless it exits 0. */
async function runOk(snippet: Snippet, options: Parameters<SnippetProject["run"]>[1] = {}) {
  const result = await project!.run(snippet, options);
  if (result.status !== 0) {
    throw new Error(
      `README "${snippet.name}" (line ${snippet.line}) exited ${result.status ?? result.signal}:\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result.stdout;
}

/** Runs one shell line as written in the scratch project; its stdout. */
function sh(line: string, cwd = project!.dir): string {
  return execFileSync("bash", ["-c", line], {
    cwd,
    env: { ...process.env, PATH: project!.path, NO_COLOR: "1" },
    encoding: "utf8",
    timeout: 20_000,
  });
}

const CAPTURES = JSON.parse(
  readFileSync(join(ROOT, "fixtures/captures/expected.json"), "utf8"),
) as {
  uwsgiPort: number;
  requests: {
    id: number;
    method?: string;
    status?: number;
    environ?: [string, string][];
    body_length?: number;
  }[];
};
/** The captured requests that carry vars: id, method, REQUEST_URI (as uWSGI read it), status. */
const CAPTURED = CAPTURES.requests.flatMap((r) => {
  const uri = r.environ?.find(([k]) => Buffer.from(k, "hex").toString("latin1") === "REQUEST_URI");
  if (uri === undefined) return [];
  return [
    {
      id: r.id,
      method: r.method,
      uri: Buffer.from(uri[1], "hex").toString("latin1"),
      status: r.status,
    },
  ];
});

/** Copies the fixture captures of real nginx -> uWSGI traffic where the snippets expect files. */
function placeCaptures(): void {
  copyFileSync(join(ROOT, "fixtures/captures/lo.pcapng"), join(project!.dir, "traffic.pcapng"));
  copyFileSync(join(ROOT, "fixtures/captures/lo.pcap"), join(project!.dir, "traffic.pcap"));
}

const TESTS: Record<string, (snippet: Snippet) => Promise<void> | void> = {
  // The two commands. `npm test` is what CI runs on a fresh machine (.ci/run runs it and nothing
  // else); `npm run bench`'s every task runs once in test/bench/. Here: each names a real script.
  commands(snippet) {
    const lines = shellLines(snippet.code);
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    };
    for (const command of lines.flatMap((line) => line.split("&&").map((c) => c.trim()))) {
      const script = /^npm (?:run (\S+)|(test))$/.exec(command);
      if (command === "npm ci")
        expect(readFileSync(join(ROOT, "package-lock.json")).length).toBeGreaterThan(0);
      else expect(pkg.scripts[script?.[1] ?? script?.[2] ?? `(${command})`]).toBeTypeOf("string");
    }
    const ci = shellLines(readFileSync(join(ROOT, ".ci/run"), "utf8")).filter(
      (line) => !line.startsWith("set ") && !line.startsWith("cd "),
    );
    expect(ci).toEqual([lines.at(-1)]);
  },

  async usage(snippet) {
    // The comment shows the start of util.inspect(packet).
    const shown = /\/\/ (<Buffer (?:[0-9a-f]{2} )+)\.\.\.>/.exec(snippet.code)?.[1];
    expect(shown).toBeTypeOf("string");
    await runOk(snippet, {
      record: [
        'decoded.vars.get("REQUEST_METHOD")',
        'decoded.vars.getBytes("PATH_INFO")',
        "decoded.vars.toObject()",
      ],
      env: { SHOWN: shown! },
      after: `
import assert from "node:assert/strict";
import { inspect } from "node:util";
assert.ok(inspect(packet).startsWith(process.env.SHOWN!), inspect(packet));
assert.equal(seen('decoded.vars.get("REQUEST_METHOD")'), "GET");
const view = seen('decoded.vars.getBytes("PATH_INFO")');
assert.equal(view.buffer, packet.buffer, "a view into packet");
assert.equal(String.fromCharCode(...view), "/");
assert.deepEqual({ ...seen("decoded.vars.toObject()") }, { REQUEST_METHOD: "GET", PATH_INFO: "/", QUERY_STRING: "" });
assert.equal(body.length, 0);
`,
    });
  },

  // The socket is a real TCP connection on which a peer writes nginx's POST packet
  // (fixtures/packets/post-4k.hex) and its 4096-byte body in 7-byte writes, then ends; the
  // upload is a file stream whose first write is slow.
  async streaming(snippet) {
    const packet = readFileSync(join(ROOT, "fixtures/packets/post-4k.hex"), "utf8").trim();
    const body = Buffer.alloc(4096, "xyz").toString("hex");
    const before = `
import { once } from "node:events";
import fs, { createWriteStream, readFileSync } from "node:fs";
import { type AddressInfo, connect, createServer, type Socket } from "node:net";
const wire = Buffer.from(process.env.WIRE!, "hex");
const listener = createServer().listen(0, "127.0.0.1");
await once(listener, "listening");
const peer = connect((listener.address() as AddressInfo).port, "127.0.0.1");
for (let at = 0; at < wire.length; at += 7) peer.write(wire.subarray(at, at + 7));
peer.end();
const [socket] = (await once(listener, "connection")) as [Socket];
// The file's first write takes 100 ms, so a request cut short is refused while a write is in
// flight, every time (a destroy() then fails that write with an 'error' event).
let slow = true;
const upload = createWriteStream("upload.bin", {
  fs: {
    open: fs.open,
    close: fs.close,
    write: (...args: Parameters<typeof fs.write>) => {
      if (!slow) return fs.write(...args);
      slow = false;
      setTimeout(() => fs.write(...args), 100);
    },
  },
});
listener.close();
`;
    const stdout = await runOk(snippet, {
      before,
      env: { WIRE: packet + body },
      after: `
import assert from "node:assert/strict";
if (!upload.writableFinished) await once(upload, "finish");
assert.equal(readFileSync("upload.bin").toString("hex"), process.env.WIRE!.slice(${packet.length}));
`,
    });
    expect(stdout).toBe("/api/orders\n");
    // The request cut short (half its body): the obvious copy must not crash the process.
    const cut = await project!.run(snippet, {
      variant: "truncated",
      before,
      env: { WIRE: packet + body.slice(0, body.length / 2) },
      after: `if (!socket.closed) await once(socket, "close");`,
    });
    expect(cut.status, `a request cut short ends the process:\n${cut.stderr}`).toBe(0);
  },

  // The server behind the real nginx of its comment (the location block, port replaced).
  async server(snippet) {
    const port = await freePort();
    const location = /\/\/ nginx: location \/ \{(.*)\}\s*$/m.exec(snippet.code)?.[1];
    expect(location).toBeTypeOf("string");
    const nginx = await startNginx(withPorts(location!, { 3031: port }));
    try {
      await runOk(snippet, {
        ports: { 3031: port },
        env: { NGINX: `http://127.0.0.1:${nginx.port}` },
        after: `
import assert from "node:assert/strict";
import { once } from "node:events";
if (!server.listening) await once(server, "listening");
const get = await fetch(process.env.NGINX + "/hello?x=1");
assert.equal(get.status, 200);
assert.equal(get.headers.get("content-type"), "text/plain");
assert.equal(await get.text(), "GET /hello?x=1 from 127.0.0.1: 0 bytes\\n");
const post = await fetch(process.env.NGINX + "/up", { method: "POST", body: "x".repeat(100000) });
assert.equal(await post.text(), "POST /up from 127.0.0.1: 100000 bytes\\n");
server.close();
`,
      });
    } finally {
      await nginx.stop();
    }
  },

  // A real uWSGI running fixtures/apps/environ_echo.py with the ping plugin.
  async client(snippet) {
    const file = join(project!.dir, "upload.txt");
    writeFileSync(file, "hello uwsgi\n".repeat(1000));
    await runOk(snippet, {
      ports: { 3031: uwsgi!.port },
      env: { UPLOAD: file },
      before: `
import fs from "node:fs";
const file = process.env.UPLOAD!;
const size = fs.statSync(file).size;
`,
      record: [
        "res.statusCode",
        "res.statusMessage",
        'res.headers["content-type"]',
        "res.rawHeaders",
        `await ping({ port: ${uwsgi!.port} })`,
      ],
      after: `
import assert from "node:assert/strict";
assert.equal(seen("res.statusCode"), 200);
assert.equal(seen("res.statusMessage"), "OK");
assert.equal(seen('res.headers["content-type"]'), "application/json");
assert.deepEqual(seen("res.rawHeaders").filter((_: string, i: number) => i % 2 === 0), ["Content-Type", "Content-Length"]);
const pong = seen("await ping({ port: ${uwsgi!.port} })");
assert.deepEqual({ ...pong, latencyMs: typeof pong.latencyMs }, { alive: true, latencyMs: "number", warning: "" });
`,
    });
  },

  // A real uWSGI running fixtures/apps/packets_app.py with the rpc, cache, signal and spooler
  // plugins on 3031; 3032 is a free port for the block's RPC server, which that uWSGI then calls.
  async packets(snippet) {
    const peer = await startPacketsUwsgi();
    const rpcPort = await freePort();
    try {
      await runOk(snippet, {
        ports: { 3031: peer.port, 3032: rpcPort },
        record: [
          `await raiseSignal({ port: ${peer.port} }, 17)`,
          `await spool({ port: ${peer.port} }, { job: "report" })`,
        ],
        env: { UWSGI: String(peer.port), RPC: String(rpcPort) },
        after: `
import assert from "node:assert/strict";
import { once } from "node:events";
import { request } from "uwsgi-codec/node";
assert.equal(hi.toString(), "hi:a|bc");
assert.equal(v?.toString(), "v");
assert.equal(seen(\`await raiseSignal({ port: \${process.env.UWSGI} }, 17)\`), true);
assert.equal(seen(\`await spool({ port: \${process.env.UWSGI} }, { job: "report" })\`), true);
const route = async (path: string, query: string) => {
  const res = await request({ port: Number(process.env.UWSGI), vars: { REQUEST_METHOD: "GET", PATH_INFO: path, QUERY_STRING: query, SERVER_PROTOCOL: "HTTP/1.1" } });
  const chunks: Buffer[] = [];
  for await (const c of res.body) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
};
if (!server.listening) await once(server, "listening");
assert.equal(await route("/rpc", \`node=127.0.0.1:\${process.env.RPC}&fn=upper&arg=abc\`), "ABC");
assert.deepEqual(JSON.parse(await route("/cache/get", "key=k&cache=shared")), { value: "76", exists: true });
let signals = "";
let jobs: Record<string, string>[] = [];
for (let i = 0; i < 200 && (signals === "" || jobs.length === 0); i++) {
  await new Promise((r) => setTimeout(r, 25));
  signals = await route("/signals", "");
  jobs = JSON.parse(await route("/spooled", ""));
}
assert.equal(signals, "17\\n");
assert.equal(jobs[0]?.[Buffer.from("job").toString("hex")], Buffer.from("report").toString("hex"));
server.close();
`,
      });
    } finally {
      await peer.stop();
    }
  },

  // The dissector's commands in the scratch project, on fixtures/captures/lo.pcapng saved as
  // traffic.pcapng: the Lua the package writes, and tshark's answer with it (the 404 of that
  // capture). The wireshark line opens a window: not run.
  dissector(snippet) {
    placeCaptures();
    const [write, read, gui] = shellLines(snippet.code);
    sh(write!);
    expect(readFileSync(join(project!.dir, "uwsgi.lua"), "utf8")).toBe(generateDissector());
    expect(sh(read!)).toBe("HTTP/1.1 404 Test\n");
    expect(gui).toBe("wireshark -X lua_script:uwsgi.lua traffic.pcapng");
  },

  // npm run build: done once before the tests (ensureDist runs exactly that when dist/ is stale;
  // running it here would rewrite dist/ under the other test files). Then the gateway as written,
  // its ports replaced (8080: a free one; 3031: the real uWSGI), and with the comment's unix socket.
  async gateway(snippet) {
    const lines = shellLines(snippet.code);
    expect(lines[0]).toBe("npm run build");
    expect(lines).toHaveLength(2);
    const alternative = /# or (--upstream \S+)/.exec(snippet.code)?.[1];
    expect(alternative).toBeTypeOf("string");
    const unix = lines[1]!.replace(/--upstream \S+/, alternative!.replace(/\S+$/, uwsgi!.path));
    for (const line of [lines[1]!, unix]) {
      const port = await freePort();
      const command = withPorts(
        line,
        line === unix ? { 8080: port } : { 8080: port, 3031: uwsgi!.port },
      );
      const gateway = startDaemon("bash", ["-c", `exec ${command}`], ROOT);
      try {
        await waitForPort(port, 10_000, gateway.alive);
        const answer = await fetch(`http://127.0.0.1:${port}/gateway?q=1`);
        expect(answer.status).toBe(200);
        const echoed = (await answer.json()) as { environ: [string, string][] };
        const environ = new Map(
          echoed.environ.map(([k, v]) => [
            Buffer.from(k, "hex").toString(),
            Buffer.from(v, "hex").toString(),
          ]),
        );
        expect([environ.get("PATH_INFO"), environ.get("QUERY_STRING")]).toEqual([
          "/gateway",
          "q=1",
        ]);
      } finally {
        await gateway.stop();
      }
    }
  },

  // The commands on captures of real nginx -> uWSGI traffic (fixtures/captures/lo.*), saved as
  // the names the block uses; 3031 is the uWSGI port in those captures.
  cli(snippet) {
    placeCaptures();
    const lines = shellLines(withPorts(snippet.code, { 3031: CAPTURES.uwsgiPort }));
    const [all, byPort, json, bodies, live] = lines;
    expect(lines).toHaveLength(5);
    for (const line of [all!, byPort!]) {
      const out = sh(line);
      expect(out.match(/^#\d+ /gm)).toHaveLength(CAPTURES.requests.length);
      for (const r of CAPTURED) expect(out).toContain(`  request   ${r.method} ${r.uri}  (`);
    }
    const objects = sh(json!)
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { id: number; vars: [string, string][] | null });
    expect(objects.map((o) => o.id)).toEqual(CAPTURES.requests.map((r) => r.id));
    for (const o of objects.filter((o) => o.vars !== null)) {
      expect(o.vars!.map(([k]) => k).filter((k) => k !== "HTTP_HOST")).toEqual(["REQUEST_URI"]);
    }
    sh(bodies!);
    const withBodies = CAPTURES.requests.filter((r) => (r.body_length ?? 0) > 0);
    expect(withBodies.length).toBeGreaterThan(0);
    for (const r of withBodies) {
      expect(statSync(join(project!.dir, "out", `${r.id}.request.bin`)).size).toBe(r.body_length);
    }
    // Capturing live needs tcpdump (not one of the peers) and capture rights: not run.
    expect(live).toBe(`tcpdump -i lo -w - port ${CAPTURES.uwsgiPort} | uwsgi-codec decode -`);
  },

  async capture(snippet) {
    placeCaptures();
    const stdout = await runOk(snippet, { ports: { 3031: CAPTURES.uwsgiPort } });
    // A ping has no vars and no HTTP answer.
    const expected = CAPTURES.requests.map((r) => {
      const request = CAPTURED.find((c) => c.id === r.id);
      return request === undefined
        ? `${r.id} undefined false`
        : `${r.id} ${request.uri} ${request.status}`;
    });
    expect(stdout.trim().split("\n")).toEqual(expected);
  },

  // The router example runs whole in test/router/example.test.ts (nginx, two uWSGI subscribing).
  "router-example"(snippet) {
    expect(shellLines(snippet.code)).toEqual(["npm run build && node examples/router.mjs"]);
  },

  // The router as written, in front of the real uWSGI (3031; 3032 is a port nothing listens on,
  // the backup node), its subscription server on a free UDP port; uwsgi requests straight to it.
  async router(snippet) {
    const [port, udp, dead] = [await freePort(), await freePort(), await freePort()];
    await runOk(snippet, {
      ports: { 3030: port, 3031: uwsgi!.port, 3032: dead, 7000: udp },
      after: `
import assert from "node:assert/strict";
import { once } from "node:events";
import { connect } from "node:net";
import { encodePacket } from "uwsgi-codec";
await once(router, "listening");
async function ask(path: string): Promise<string> {
  const s = connect(${port}, "127.0.0.1");
  await once(s, "connect");
  s.write(encodePacket({ vars: { REQUEST_METHOD: "GET", PATH_INFO: path, HTTP_HOST: "shop.example", SERVER_PROTOCOL: "HTTP/1.1" } }));
  let out = "";
  for await (const chunk of s) out += chunk.toString("latin1");
  return out;
}
const moved = await ask("/old/x");
assert.match(moved, /^HTTP\\/1.1 200 OK\\r\\n/);
const environ: [string, string][] = JSON.parse(moved.slice(moved.indexOf("\\r\\n\\r\\n") + 4)).environ;
const path = environ.find(([k]) => Buffer.from(k, "hex").toString() === "PATH_INFO");
assert.equal(Buffer.from(path![1], "hex").toString(), "/new/x");
assert.equal(await ask("/admin"), "HTTP/1.1 403 Forbidden\\r\\nContent-Type: text/plain; charset=utf-8\\r\\nContent-Length: 3\\r\\n\\r\\nno\\n");
assert.deepEqual(router.stats().pools.map((p) => [p.name, p.nodes.map((n) => n.requests)]), [["shop.example", [1, 0]], ["api", [0]]]);
router.close();
`,
    });
  },

  // The tools against the real uWSGI (environ_echo.py with the ping plugin): every line as written
  // exits 0; what each prints is what its comment says.
  tools(snippet) {
    writeFileSync(join(project!.dir, "upload.txt"), "hello uwsgi\n".repeat(100));
    const lines = shellLines(withPorts(snippet.code, { 3031: uwsgi!.port }));
    expect(lines).toHaveLength(8);
    const [get, upload, pinged, probed, explained, loaded, saved, plotted] = lines.map((l) =>
      sh(l),
    );
    expect(get).toMatch(/^HTTP\/1\.1 200 OK\r\nContent-Type: application\/json\r\n/);
    expect(JSON.parse(upload!).body_length).toBe(1200);
    expect(pinged).toContain("3 sent, 3 pongs, 0% lost");
    expect(probed).toContain("buffer-size  65535 bytes of vars");
    expect(explained).toContain('"ET"');
    expect(loaded).toContain("pass        --fail-if errors>0 (actual 0.00)");
    expect(saved).toBe("");
    expect(plotted).toBe("");
    expect(readFileSync(join(project!.dir, "latency.svg"), "utf8").startsWith("<svg")).toBe(true);
  },

  // The help as the README shows it is the help the command prints: every command is in both.
  help(snippet) {
    expect(sh("uwsgi-codec --help").trimEnd()).toBe(snippet.code.trimEnd());
  },

  // The load API against the same uWSGI.
  async "load-api"(snippet) {
    await runOk(snippet, {
      ports: { 3031: uwsgi!.port },
      after: `
import assert from "node:assert/strict";
assert.equal(result.requests.completed, 200);
assert.equal(result.requests.failed, 0);
assert.equal(typeof result.uncorrectedLatencyMs?.p99, "number");
`,
    });
  },

  // Installing is what `npm test` asks for when a peer is missing; here the peers are installed,
  // so the check it runs first passes (installing again would need root and the network).
  peers(snippet) {
    const lines = shellLines(snippet.code);
    const testCommand = readFileSync(join(ROOT, "scripts/test.mjs"), "utf8");
    expect(lines).toEqual([/const INSTALL_PEERS = "([^"]+)"/.exec(testCommand)?.[1]]);
    expect(sh("bash scripts/peers.sh check", ROOT)).toBe("");
  },
};

/**
 * The benchmark and script commands of the README's text (its `code spans`; fenced blocks run as
 * tests of their own): `npm run NAME [-- ARGS]` and `node FILE ARGS`, each with the file that
 * runs it (for npm, the last `node FILE` of its package.json script; the benchmark's compiled
 * .bench/X.js is X.ts; none for a script that runs no node file) and the --options it is given.
 */
function readmeCommands(markdown: string) {
  const scripts = (
    JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    }
  ).scripts;
  const fileOf = (line: string | undefined) => {
    const file = [...(line ?? "").matchAll(/\bnode (\S+)/g)].at(-1)?.[1];
    return file?.replace(/^\.bench\/(.*)\.js$/, "$1.ts");
  };
  const text = markdown.replace(/^```[\s\S]*?^```/gm, "");
  const commands = [...text.matchAll(/`([^`]+)`/g)]
    .flatMap((m) => m[1]!.replace(/\s+/g, " ").split("&&"))
    .map((c) => c.trim().replace(/^taskset -c \S+ /, ""));
  return commands.flatMap((command) => {
    const npm = /^npm run ([\w:-]+)(?: -- (.*))?$/.exec(command);
    const node = /^node ((?:bench|scripts|examples)\/\S+)(.*)$/.exec(command);
    if (npm === null && node === null) return [];
    const exists = npm !== null ? npm[1]! in scripts : existsSync(join(ROOT, node![1]!));
    const script = npm !== null ? fileOf(scripts[npm[1]!]) : node![1];
    const args = (npm !== null ? npm[2] : node![2]) ?? "";
    const flags = [...args.matchAll(/(?:^|[\s[])(--[a-z][\w-]*)/g)].map((f) => f[1]!);
    return [{ command, exists, script, flags }];
  });
}

describe("README", () => {
  it("every code block names its test, and every test has its block", () => {
    expect(untagged.map((line) => `README line ${line}: no test=NAME`)).toEqual([]);
    const names = snippets.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    expect([...names].sort()).toEqual(Object.keys(TESTS).sort());
  });

  it("opens with the two commands", () => {
    const lines = README.split("\n");
    expect(lines[3]).toMatch(/^npm ci && npm run bench/);
    expect(lines[4]).toMatch(/^npm test/);
  });

  it("every link to a part of the README finds its heading", () => {
    // GitHub's anchors: the heading's text in lower case, code marks and punctuation dropped,
    // spaces as hyphens.
    const anchor = (heading: string) =>
      heading
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, "")
        .replace(/ /g, "-");
    const headings = new Set([...README.matchAll(/^#+ (.*)$/gm)].map((m) => anchor(m[1]!)));
    const links = [...README.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(10);
    expect(links.filter((link) => !headings.has(link))).toEqual([]);
  });

  it("every command a figure names exists, with the options it is given", () => {
    const commands = readmeCommands(README);
    expect(commands.length).toBeGreaterThan(20);
    const problems = commands.flatMap(({ command, exists, script, flags }) => {
      if (!exists) return [`${command}: no such script`];
      if (script === undefined) return []; // an npm script that runs no node file (build, lint)
      const source = readFileSync(join(ROOT, script), "utf8");
      return flags
        .filter(
          (flag) =>
            !new RegExp(`${flag}(?![\\w-])`).test(source) && !source.includes(`"${flag.slice(2)}"`),
        )
        .map((flag) => `${command}: ${script} reads no ${flag}`);
    });
    expect(problems).toEqual([]);
  });

  for (const snippet of snippets) {
    const test = TESTS[snippet.name];
    it.runIf(test !== undefined)(`"${snippet.name}" (line ${snippet.line}) runs as written`, () =>
      test!(snippet),
    );
  }
});
