import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";
import { invalidArgType } from "../codec/arguments.js";
import { UwsgiClientError } from "./errors.js";
import { headerRefusal, nginxHost } from "./nginx-checks.js";

/**
 * Var values that replace what {@link varsFromRequest} computes: a string replaces every var of
 * that name (one var, at the first one's place; a new name goes last), undefined removes them.
 */
export type VarsOverrides = Readonly<Record<string, string | undefined>>;

const PERCENT = 0x25;
const SLASH = 0x2f;
const HASH = 0x23;

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/**
 * %XX decoded to the byte XX (a latin1 char); undefined where nginx answers 400: a `%` without
 * two hex digits after it, or an encoded NUL.
 */
function percentDecode(s: string): string | undefined {
  let out = "";
  let from = 0;
  for (let i = s.indexOf("%"); i >= 0; i = s.indexOf("%", i + 3)) {
    const hi = i + 2 < s.length ? hexValue(s.charCodeAt(i + 1)) : -1;
    const lo = hi >= 0 ? hexValue(s.charCodeAt(i + 2)) : -1;
    if (lo < 0 || (hi === 0 && lo === 0)) return undefined;
    out += s.slice(from, i) + String.fromCharCode(hi * 16 + lo);
    from = i + 3;
  }
  return out + s.slice(from);
}

/** Whether the path needs nginx's "complex URI" work: %, #, //, or a dot segment. */
function isSimplePath(path: string): boolean {
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === PERCENT || c === HASH) return false;
    if (c === SLASH && i + 1 < path.length) {
      const n = path.charCodeAt(i + 1);
      if (n === SLASH || n === 0x2e) return false;
    }
  }
  return true;
}

/**
 * nginx's `$document_uri`: the path without the query (nor a `#` fragment), percent-decoded,
 * with repeated slashes merged and `.` / `..` segments resolved. Bytes as a latin1 string.
 * Undefined for a path nginx answers 400: a bad `%` escape, an encoded NUL (`%00`), or a `..`
 * that climbs above the root. Decoded `%2F` and `%2E` count as `/` and `.`, as in nginx.
 */
export function documentUri(path: string): string | undefined {
  if (typeof path !== "string") throw invalidArgType("path", "of type string", path);
  if (isSimplePath(path)) return path;
  const hash = path.indexOf("#");
  const decoded = percentDecode(hash < 0 ? path : path.slice(0, hash));
  if (decoded === undefined) return undefined;
  const segments = decoded.split("/");
  const out: string[] = [];
  let trailing = false;
  for (let i = 1; i < segments.length; i++) {
    const s = segments[i]!;
    trailing = i === segments.length - 1 && (s === "" || s === "." || s === "..");
    if (s === "" || s === ".") continue;
    if (s !== "..") out.push(s);
    else if (out.pop() === undefined) return undefined;
  }
  if (out.length === 0) return "/";
  return `/${out.join("/")}${trailing ? "/" : ""}`;
}

/** The origin-form part of a request target (`http://h/p?q` -> `/p?q`), and the host it named. */
function splitTarget(url: string): [string, string | undefined] {
  if (url.charCodeAt(0) === SLASH || url === "*") return [url, undefined];
  const scheme = url.indexOf("://");
  if (scheme < 0) return [url, undefined];
  const slash = url.indexOf("/", scheme + 3);
  const query = url.indexOf("?", scheme + 3);
  const end = slash >= 0 && (query < 0 || slash < query) ? slash : query >= 0 ? query : url.length;
  const host = url.slice(scheme + 3, end);
  const rest = url.slice(end);
  return [rest.charCodeAt(0) === SLASH ? rest : `/${rest}`, host];
}

/**
 * `HTTP_` + the name upper-cased with `-` as `_`, or undefined for a name nginx ignores
 * (`ignore_invalid_headers`: anything but letters, digits and `-`, so `X_Foo` cannot pose as
 * `X-Foo`).
 */
export function headerVar(name: string): string | undefined {
  let out = "HTTP_";
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0x61 && c <= 0x7a) out += String.fromCharCode(c - 0x20);
    else if ((c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39)) out += name[i];
    else if (c === 0x2d) out += "_";
    else return undefined;
  }
  return out;
}

function applyOverrides(vars: [string, string][], overrides: VarsOverrides): [string, string][] {
  const names = Object.keys(overrides);
  if (names.length === 0) return vars;
  const seen = new Set<string>();
  const out: [string, string][] = [];
  for (const pair of vars) {
    const name = pair[0];
    if (!Object.hasOwn(overrides, name)) out.push(pair);
    else if (!seen.has(name)) {
      seen.add(name);
      const value = overrides[name];
      if (value !== undefined) out.push([name, value]);
    }
  }
  for (const name of names) {
    const value = overrides[name];
    if (!seen.has(name) && value !== undefined) out.push([name, value]);
  }
  return out;
}

/** Checks an overrides object: string values, or undefined to remove a var. */
export function checkOverrides(name: string, overrides: unknown): void {
  if (overrides === null || typeof overrides !== "object" || Array.isArray(overrides)) {
    throw invalidArgType(name, "of type object", overrides);
  }
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined && typeof value !== "string") {
      throw invalidArgType(`${name}.${key}`, "of type string (or undefined to remove it)", value);
    }
  }
}

function badRequest(why: string): UwsgiClientError {
  return new UwsgiClientError("BAD_REQUEST", `nginx would answer 400: ${why}`);
}

/**
 * The CGI vars nginx sends for a request with Debian's `/etc/nginx/uwsgi_params`, in the same
 * order: QUERY_STRING, REQUEST_METHOD, CONTENT_TYPE, CONTENT_LENGTH, REQUEST_URI, PATH_INFO,
 * DOCUMENT_ROOT, SERVER_PROTOCOL, REQUEST_SCHEME, HTTPS (TLS only), REMOTE_ADDR, REMOTE_PORT,
 * SERVER_PORT, SERVER_NAME, HTTP_HOST (`$host`), then every header but Host as `HTTP_*`, in
 * arrival order, repeated headers as repeated vars.
 *
 * Values are latin1 strings of the bytes received (how Node hands out headers and the URL), so
 * encoding them as latin1 (the codec's default) puts the client's exact bytes on the wire.
 * DOCUMENT_ROOT defaults to "" and SERVER_NAME to the host: set them in `overrides`.
 *
 * Throws a `UwsgiClientError` `BAD_REQUEST` for a request nginx answers 400 before it reaches
 * uwsgi_pass: a Host (or absolute request target) that is not a host name, two Host headers, no
 * Host with HTTP/1.1, a repeated header nginx takes once (Authorization, Content-Length,
 * If-None-Match...), Transfer-Encoding with HTTP/1.0, or a path with a bad `%` escape, an
 * encoded NUL or a `..` above the root.
 */
export function varsFromRequest(
  req: IncomingMessage,
  overrides: VarsOverrides = {},
): [string, string][] {
  if (req === null || typeof req !== "object" || !Array.isArray(req.rawHeaders)) {
    throw invalidArgType("req", "an http.IncomingMessage", req);
  }
  checkOverrides("overrides", overrides);
  const refusal = headerRefusal(req);
  if (refusal !== undefined) throw badRequest(refusal);
  const [uri, targetHost] = splitTarget(req.url ?? "/");
  // A fragment is no part of the path or the query (nginx cuts both at the first `#`).
  const hash = uri.indexOf("#");
  const target = hash < 0 ? uri : uri.slice(0, hash);
  const q = target.indexOf("?");
  const path = documentUri(q < 0 ? target : target.slice(0, q));
  if (path === undefined) {
    throw badRequest("the path has a bad % escape, an encoded NUL or a .. above the root");
  }
  const socket = req.socket as Partial<TLSSocket> | null;
  const tls = socket?.encrypted === true;
  const headers = req.headers;
  const rawHost = targetHost ?? (typeof headers.host === "string" ? headers.host : undefined);
  const remote = socket?.remoteAddress ?? "";
  let host = overrides["SERVER_NAME"] ?? socket?.localAddress ?? "";
  if (rawHost !== undefined) {
    const valid = nginxHost(rawHost);
    if (valid === undefined) throw badRequest("the request target's host is not a host name");
    host = valid;
  }
  const vars: [string, string][] = [
    ["QUERY_STRING", q < 0 ? "" : target.slice(q + 1)],
    ["REQUEST_METHOD", req.method ?? "GET"],
    ["CONTENT_TYPE", headers["content-type"] ?? ""],
    ["CONTENT_LENGTH", headers["content-length"] ?? ""],
    ["REQUEST_URI", uri],
    ["PATH_INFO", path],
    ["DOCUMENT_ROOT", ""],
    ["SERVER_PROTOCOL", `HTTP/${req.httpVersion}`],
    ["REQUEST_SCHEME", tls ? "https" : "http"],
  ];
  if (tls) vars.push(["HTTPS", "on"]);
  vars.push(
    ["REMOTE_ADDR", remote.startsWith("::ffff:") ? remote.slice(7) : remote],
    ["REMOTE_PORT", String(socket?.remotePort ?? "")],
    ["SERVER_PORT", String(socket?.localPort ?? "")],
    ["SERVER_NAME", host],
    ["HTTP_HOST", host],
  );
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 4 && name.toLowerCase() === "host") continue;
    const key = headerVar(name);
    if (key !== undefined) vars.push([key, raw[i + 1]!]);
  }
  return applyOverrides(vars, overrides);
}
