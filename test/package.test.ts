// What a user installs: pack the tarball, install it in a scratch project, import it through
// `exports` from ESM and from CommonJS (require(esm), Node >= 20.19), and check what is shipped.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, waitForPort } from "./interop/support/ports.js";
import { startUwsgi } from "./interop/support/uwsgi.js";
import { ensureDist, ROOT } from "./support/dist.js";

let dir = "";
let files: string[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "uwsgi-codec-pack-"));
  ensureDist();
  const packed = JSON.parse(
    execFileSync("npm", ["pack", "--json", "--pack-destination", dir], {
      cwd: ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    }),
  ) as { filename: string; files: { path: string }[] }[];
  files = packed[0]!.files.map((f) => f.path);
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: "scratch", private: true, type: "module" }),
  );
  // --prefer-offline, not --offline: `npm ci` caches tarballs by their lockfile entries, not the
  // registry's metadata that installing the tarball's own dependencies (hdr-histogram-js) needs,
  // so with a fresh npm cache that metadata comes from the registry.
  execFileSync(
    "npm",
    ["install", "--no-audit", "--no-fund", "--prefer-offline", join(dir, packed[0]!.filename)],
    {
      cwd: dir,
      stdio: "pipe",
    },
  );
}, 120_000);
afterAll(() => {
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

const node = (args: string[]) =>
  execFileSync(process.execPath, args, { cwd: dir, encoding: "utf8" }).trim();

describe("the published package", () => {
  it("ships dist with types and the sources, and no tests or fixtures", () => {
    expect(files).toContain("dist/index.js");
    expect(files).toContain("dist/index.d.ts");
    expect(files).toContain("src/index.ts");
    expect(
      files.some(
        (f) => f.startsWith("test/") || f.startsWith("fixtures/") || f.startsWith("bench/"),
      ),
    ).toBe(false);
  });

  it("imports through exports from ESM", () => {
    const out = node([
      "--input-type=module",
      "-e",
      'import { encodePacket, decodePacket } from "uwsgi-codec"; console.log(decodePacket(encodePacket({ vars: { A: "b" } })).vars.get("A"));',
    ]);
    expect(out).toBe("b");
  });

  it("exposes the Node helpers and the capture decoder through their subpaths", () => {
    const out = node([
      "--input-type=module",
      "-e",
      'import { createServer, request, ping } from "uwsgi-codec/node"; import { decodeCapture } from "uwsgi-codec/capture"; console.log([createServer, request, ping, decodeCapture].map((f) => typeof f).join(","));',
    ]);
    expect(out).toBe("function,function,function,function");
  });

  it("exposes the FastCGI and SCGI codecs and the load generator through their subpaths", () => {
    const out = node([
      "--input-type=module",
      "-e",
      'import { encodeFcgiRequest, decodeFcgiRequest } from "uwsgi-codec/fastcgi"; import { encodeScgiRequest, decodeScgiRequest } from "uwsgi-codec/scgi"; import { runLoad } from "uwsgi-codec/load"; const f = decodeFcgiRequest(encodeFcgiRequest({ params: [["A", "b"]] })).params.get("A"); const s = decodeScgiRequest(encodeScgiRequest([["C", "d"]])).headers.get("C"); console.log(f, s, typeof runLoad);',
    ]);
    expect(out).toBe("b d function");
  });

  it("installs the uwsgi-codec command", () => {
    const out = execFileSync(join(dir, "node_modules", ".bin", "uwsgi-codec"), ["--version"], {
      encoding: "utf8",
    }).trim();
    expect(out).toContain("0.1.0");
  });

  it("loads with require() too (Node's require(esm))", () => {
    const out = node(["-e", 'const u = require("uwsgi-codec"); console.log(u.modifierName(100));']);
    expect(out.split("\n").at(-1)).toBe("PING");
  });
});

describe("the examples run as the README says (after the build above)", () => {
  it("examples/behind-nginx.mjs: a GET and a 1 MiB POST through real nginx", () => {
    const out = execFileSync(process.execPath, [join(ROOT, "examples", "behind-nginx.mjs")], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(out).toMatch(
      /GET {2}http:\/\/127\.0\.0\.1:\d+\/caf%C3%A9\?x=1 -> 200 hello GET \/caf%C3%A9\?x=1/,
    );
    expect(out).toContain("set-cookie: seen=1; Path=/ | lang=en; Path=/");
    expect(out).toMatch(/POST .* -> 200 \{"bytes":1048576,"sha256":"[0-9a-f]{64}"\}/);
  });

  it("examples/gateway.mjs: HTTP in front of a real uWSGI", async () => {
    const uwsgi = await startUwsgi();
    const port = await freePort();
    const gateway = spawn(
      process.execPath,
      [
        join(ROOT, "examples", "gateway.mjs"),
        "--listen",
        String(port),
        "--upstream",
        `127.0.0.1:${uwsgi.port}`,
      ],
      { cwd: ROOT, stdio: "ignore" },
    );
    try {
      await waitForPort(port, 10_000, () => gateway.exitCode === null);
      const answer = await fetch(`http://127.0.0.1:${port}/cookies/2?x=1`);
      expect(answer.status).toBe(200);
      expect(answer.headers.getSetCookie()).toEqual(["c0=v0; Path=/", "c1=v1; Path=/"]);
      const echoed = (await answer.json()) as { environ: [string, string][] };
      const environ = new Map(
        echoed.environ.map(([k, v]) => [
          Buffer.from(k, "hex").toString(),
          Buffer.from(v, "hex").toString(),
        ]),
      );
      expect(environ.get("QUERY_STRING")).toBe("x=1");
      expect(environ.get("PATH_INFO")).toBe("/cookies/2");
    } finally {
      const exited = new Promise((resolve) => gateway.once("exit", resolve));
      if (gateway.exitCode === null) gateway.kill("SIGTERM");
      else gateway.emit("exit");
      await exited;
      await uwsgi.stop();
    }
  });
});
