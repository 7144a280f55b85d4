// "Runs anywhere", proven in a real browser: the built core entry (dist/index.js and what it
// imports, as native ES modules, no bundler) is served on 127.0.0.1 and run in headless Chromium
// (Debian's /usr/bin/chromium, driven by playwright-core, which never downloads a browser).
// The page has none of Node's globals; every byte and value is computed in the page and compared
// with what the independent oracle computes here.
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { join, normalize, sep } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireBinary } from "../interop/support/process.js";
import { ensureDist, ROOT } from "../support/dist.js";
import {
  latin1Bytes,
  oracleEncodeArray,
  oracleEncodePacket,
  oracleEncodeVars,
  utf8Bytes,
} from "../support/oracle.js";
import { loadMalformedVectors } from "../support/vectors.js";

const CHROMIUM = "/usr/bin/chromium";
const PAGE_DIR = join(ROOT, "test", "browser", "page");
const DIST_DIR = join(ROOT, "dist");

// The package's "." export, as the page's import map names it (what a bundler would resolve).
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  exports: { ".": { default: string } };
};
const ENTRY = `/${pkg.exports["."].default.replace(/^\.\//, "")}`;

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>uwsgi-codec in a browser</title>
<script type="importmap">${JSON.stringify({ imports: { "uwsgi-codec": ENTRY } })}</script>
`;

let server: Server | undefined;
let browser: Browser | undefined;
let page: Page | undefined;
let base = "";
const served: string[] = [];
const refused: string[] = [];

/** Serves the page, dist/ and test/browser/page/ only; nothing outside them. */
function serve(): Promise<void> {
  server = createServer(async (req, res) => {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    if (path === "/") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(PAGE);
      return;
    }
    const [dir, rest] = path.startsWith("/dist/")
      ? [DIST_DIR, path.slice(6)]
      : path.startsWith("/page/")
        ? [PAGE_DIR, path.slice(6)]
        : ["", ""];
    const file = normalize(join(dir, decodeURIComponent(rest)));
    if (dir === "" || !file.startsWith(dir + sep) || !file.endsWith(".js")) {
      refused.push(path);
      res.writeHead(404).end();
      return;
    }
    try {
      const body = await readFile(file);
      served.push(path);
      res.writeHead(200, { "content-type": "text/javascript; charset=utf-8" }).end(body);
    } catch {
      refused.push(path);
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve, reject) => {
    server!.once("error", reject);
    server!.listen(0, "127.0.0.1", () => {
      const address = server!.address();
      base = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`;
      resolve();
    });
  });
}

beforeAll(async () => {
  requireBinary("chromium", "chromium");
  ensureDist();
  await serve();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    // playwright-core gives each launch a fresh temporary profile (--user-data-dir) and removes it
    // on close. No sandbox: CI runs as root. /dev/shm is small in containers.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
  page = await browser.newPage();
  page.setDefaultTimeout(10_000);
  await page.goto(`${base}/`);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) =>
    server === undefined ? resolve() : server.close(() => resolve()),
  );
});

/** Calls an export of test/browser/page/core-checks.js in the page with JSON arguments. */
function inPage<T>(name: string, ...args: unknown[]): Promise<T> {
  const call = `import("/page/core-checks.js").then((m) => m.${name}(...${JSON.stringify(args)}))`;
  return page!.evaluate(call) as Promise<T>;
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const pairs = (list: [string, string][], bytes: (s: string) => Uint8Array) =>
  list.map(([k, v]) => [bytes(k), bytes(v)] as const);

// A request with every latin1 byte above 0x7f in one value, and a body announced by CONTENT_LENGTH.
const HIGH = String.fromCharCode(...Array.from({ length: 128 }, (_, i) => 0x80 + i));
const VARS: [string, string][] = [
  ["REQUEST_METHOD", "POST"],
  ["PATH_INFO", "/upload"],
  ["QUERY_STRING", ""],
  ["HTTP_X_LATIN1", HIGH],
  ["CONTENT_LENGTH", "5"],
];
const REQUEST = oracleEncodePacket(0, 0, oracleEncodeVars(pairs(VARS, latin1Bytes)));
const BODY = utf8Bytes("hello");

describe("the core entry in headless Chromium (no Node globals)", () => {
  it("loads as native ES modules without Node: no Buffer, process or require in the page", async () => {
    expect(await page!.evaluate("typeof Buffer")).toBe("undefined");
    expect(await inPage<string[]>("nodeGlobals")).toEqual([]);
    // What the browser fetched: the entry, its imports, the checks; nothing refused (a node:
    // import or a missing file would show here or fail the import above).
    expect(served).toContain(ENTRY);
    expect(refused.filter((p) => p !== "/favicon.ico")).toEqual([]);
  });

  it("encodes the same bytes as the oracle (latin1, utf8, an RPC array)", async () => {
    const out = await inPage<Record<string, unknown>>("encode", Object.fromEntries(VARS));
    expect(out).toEqual({
      isUint8Array: true,
      latin1: hex(oracleEncodePacket(0, 0, oracleEncodeVars(pairs(VARS, latin1Bytes)))),
      utf8: hex(
        oracleEncodePacket(0, 0, oracleEncodeVars(pairs([["PATH_INFO", "/café"]], utf8Bytes))),
      ),
      rpc: hex(oracleEncodeArray([latin1Bytes("hello"), latin1Bytes("wörld")])),
    });
  });

  it("decodes a request, its vars as views of the input, and an RPC array", async () => {
    const rpc = oracleEncodeArray([latin1Bytes("hello"), latin1Bytes("wörld")]);
    const out = await inPage<Record<string, unknown>>("decode", hex(REQUEST), hex(BODY), hex(rpc));
    expect(out).toEqual({
      kind: "vars",
      modifier1: 0,
      modifier2: 0,
      byteLength: REQUEST.length,
      missing: 1,
      entries: VARS,
      object: Object.fromEntries(VARS),
      viewSharesInput: true,
      // header 4, REQUEST_METHOD (2+14+2+4), then PATH_INFO's key (2+9) and value length (2)
      viewOffset: 4 + 22 + 11 + 2,
      body: hex(BODY),
      rpc: ["hello", "wörld"],
    });
  });

  it("refuses every malformed vector with the same UwsgiError code and offset as Node", async () => {
    for (const vector of loadMalformedVectors()) {
      const out = await inPage<Record<string, unknown>>(
        "refuse",
        hex(vector.bytes),
        vector.options ?? null,
      );
      expect({ vector: vector.name, ...out }).toMatchObject({
        vector: vector.name,
        isUwsgiError: true,
        code: vector.error.code,
        offset: vector.error.offset,
      });
    }
  });

  it("PacketDecoderStream (a Web TransformStream) reads a request cut into 1-byte chunks", async () => {
    const wire = hex(REQUEST) + hex(BODY);
    const events = await inPage<unknown[]>("stream", wire, 1, null);
    const bodyBytes = [...BODY].map((b) => ({
      type: "body",
      hex: b.toString(16).padStart(2, "0"),
    }));
    expect(events).toEqual([
      { type: "packet", kind: "vars", vars: VARS },
      ...bodyBytes,
      { type: "end" },
    ]);
    // The same bytes in one chunk: one packet, one body piece.
    expect(await inPage<unknown[]>("stream", wire, wire.length, null)).toEqual([
      { type: "packet", kind: "vars", vars: VARS },
      { type: "body", hex: hex(BODY) },
      { type: "end" },
    ]);
  });

  it("PacketDecoderStream errors its readable side with TRUNCATED when the body is cut short", async () => {
    const cut = hex(REQUEST) + hex(BODY.subarray(0, 2));
    const events = await inPage<{ type: string; error?: unknown }[]>("stream", cut, 7, null);
    expect(events.at(-1)).toMatchObject({
      type: "error",
      error: { isUwsgiError: true, code: "TRUNCATED", offset: REQUEST.length + 2 },
    });
  });
});
