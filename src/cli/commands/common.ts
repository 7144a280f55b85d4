import type { UwsgiAddress } from "../../client/address.js";
import { UsageError } from "../args.js";

/**
 * A uwsgi server address on the command line: `host:port`, `:port` (127.0.0.1),
 * `uwsgi://host:port`, `[v6]:port`, or a unix socket (`unix:PATH` or anything with a `/`).
 */
export function addressOf(text: string): UwsgiAddress & { readonly label: string } {
  let t = text;
  if (t.startsWith("uwsgi://")) t = t.slice(8).replace(/\/.*$/, "");
  if (t.startsWith("unix:")) return { path: t.slice(5), label: t.slice(5) };
  if (t.includes("/")) return { path: t, label: t };
  const m = /^(\[[^\]]+\]|[^:]*):(\d+)$/.exec(t);
  if (m === null) {
    throw new UsageError(
      `${text}: not an address (HOST:PORT, :PORT, uwsgi://HOST:PORT or a socket path)`,
    );
  }
  const port = Number(m[2]);
  if (!(port >= 1 && port <= 65535)) throw new UsageError(`${text}: the port is not 1-65535`);
  const host = m[1] === "" ? "127.0.0.1" : m[1]!.replace(/^\[|\]$/g, "");
  return { host, port, label: `${host.includes(":") ? `[${host}]` : host}:${port}` };
}

/** A number of seconds (`2`, `0.5`) or a duration with a unit (`500ms`, `10s`, `2m`), as ms. */
export function millisOf(option: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h)?$/.exec(text.trim());
  if (m === null)
    throw new UsageError(`${option} ${text}: not a duration (10, 2.5, 500ms, 10s, 2m)`);
  const n =
    Number(m[1]) * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const)[(m[2] ?? "s") as "s"];
  if (!(n >= 1 && n <= 2_147_483_647)) throw new UsageError(`${option} ${text}: out of range`);
  return Math.round(n);
}

/** A whole number in [min, max]. */
export function integerOf(option: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`${option} ${text}: not a whole number from ${min} to ${max}`);
  }
  return n;
}

/** `Name: value` (curl's -H). */
export function headerOf(text: string): [string, string] {
  const colon = text.indexOf(":");
  const name = colon < 0 ? "" : text.slice(0, colon).trim();
  if (colon <= 0 || !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) {
    throw new UsageError(`-H ${text}: not a header ("Name: value")`);
  }
  return [name, text.slice(colon + 1).trim()];
}

/** `--var NAME=VALUE` sets a var, `--var NAME` (no `=`) removes it. */
export function varEditsOf(values: readonly string[]): Map<string, string | undefined> {
  const edits = new Map<string, string | undefined>();
  for (const v of values) {
    const eq = v.indexOf("=");
    const name = eq < 0 ? v : v.slice(0, eq);
    if (name === "") throw new UsageError(`--var ${v}: no var name`);
    edits.set(name, eq < 0 ? undefined : v.slice(eq + 1));
  }
  return edits;
}

/** Lines of `xxd`-style hex: offset, 16 bytes, the printable ones as text. */
export function hexDump(bytes: Uint8Array, prefix: string, limit?: number): string {
  let out = "";
  const end = Math.min(bytes.length, limit ?? bytes.length);
  for (let at = 0; at < end; at += 16) {
    const row = bytes.subarray(at, Math.min(end, at + 16));
    let hex = "";
    let text = "";
    for (let i = 0; i < 16; i++) {
      hex += i < row.length ? row[i]!.toString(16).padStart(2, "0") : "  ";
      if (i % 2 === 1) hex += " ";
      const b = row[i];
      if (b !== undefined) text += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".";
    }
    out += `${prefix}${at.toString(16).padStart(8, "0")}: ${hex} ${text}\n`;
  }
  if (end < bytes.length) out += `${prefix}... ${bytes.length - end} more bytes\n`;
  return out;
}
