import type { IncomingMessage } from "node:http";

// What nginx 1.22 refuses in a request before it reaches uwsgi_pass, learnt from its request
// parser (ngx_http_validate_host, the duplicate-header and framing checks, the complex-URI
// walk): the gateway refuses the same requests, so nothing nginx would stop reaches uWSGI.

const DOT = 0x2e;
const COLON = 0x3a;
const SLASH = 0x2f;
const OPEN = 0x5b;
const CLOSE = 0x5d;

/**
 * nginx's `$host` from a Host value (or the host of an absolute request target): lower-case
 * ASCII letters, without the port and one trailing dot; undefined where nginx answers 400 (a
 * path separator, a space or control byte, two dots in a row, nothing before the port).
 */
export function nginxHost(value: string): string | undefined {
  let end = value.length;
  let lastDot = -2;
  // 0: the name, 1: inside an IPv6 literal, 2: after the name (the port, not checked further)
  let state = 0;
  let upper = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === DOT) {
      if (lastDot === i - 1) return undefined;
      lastDot = i;
    } else if (c === COLON) {
      if (state === 0) {
        end = i;
        state = 2;
      }
    } else if (c === OPEN) {
      if (i === 0) state = 1;
    } else if (c === CLOSE) {
      if (state === 1) {
        end = i + 1;
        state = 2;
      }
    } else if (c === SLASH || c <= 0x20 || c === 0x7f) {
      return undefined;
    } else if (c >= 0x41 && c <= 0x5a) {
      upper = true;
    }
  }
  // nginx strips the dot when the last dot anywhere in the value ends the name.
  if (lastDot === end - 1) end--;
  if (end <= 0) return undefined;
  const host = value.slice(0, end);
  return upper ? asciiLower(host) : host;
}

/** Lower-cases A-Z only: nginx leaves bytes over 0x7f as they are (`toLowerCase` would not). */
function asciiLower(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += c >= 0x41 && c <= 0x5a ? String.fromCharCode(c + 0x20) : s[i];
  }
  return out;
}

/** Headers nginx 1.22 accepts once: a second one is answered 400 (lower case). */
const UNIQUE: ReadonlySet<string> = new Set([
  "if-modified-since",
  "if-unmodified-since",
  "if-match",
  "if-none-match",
  "content-length",
  "content-range",
  "if-range",
  "transfer-encoding",
  "expect",
  "authorization",
]);

/**
 * Why nginx would answer 400 to this request's headers, or undefined: two Host headers, a Host
 * that is not a host, no Host with HTTP/1.1, a repeated header nginx takes once, or
 * Transfer-Encoding with HTTP/1.0. The request target is checked where the vars are made.
 */
export function headerRefusal(req: IncomingMessage): string | undefined {
  const raw = req.rawHeaders;
  let hosts = 0;
  let seen: Set<string> | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (name === "host") {
      if (++hosts > 1) return "two Host headers";
      if (nginxHost(raw[i + 1]!) === undefined) return `the Host header is not a host name`;
    } else if (UNIQUE.has(name)) {
      seen ??= new Set();
      if (seen.has(name)) return `two ${raw[i]} headers`;
      seen.add(name);
    }
  }
  if (hosts === 0 && req.httpVersion !== "1.0" && req.httpVersion !== "0.9") {
    return "an HTTP/1.1 request without a Host header";
  }
  if (seen?.has("transfer-encoding") === true && req.httpVersion === "1.0") {
    return "Transfer-Encoding in an HTTP/1.0 request";
  }
  return undefined;
}
