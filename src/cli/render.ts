import type {
  CapturedAnswer,
  CapturedExchange,
  CaptureTime,
  Endpoint,
} from "../capture/exchange.js";

/** ANSI styles, or none. */
export interface Palette {
  readonly bold: (s: string) => string;
  readonly dim: (s: string) => string;
  readonly cyan: (s: string) => string;
  readonly yellow: (s: string) => string;
  readonly red: (s: string) => string;
  readonly green: (s: string) => string;
}

const plain = (s: string): string => s;
const sgr =
  (code: string) =>
  (s: string): string =>
    `\u001b[${code}m${s}\u001b[0m`;

/** No styling. */
export const PLAIN: Palette = {
  bold: plain,
  dim: plain,
  cyan: plain,
  yellow: plain,
  red: plain,
  green: plain,
};

/** ANSI colours for a terminal. */
export const COLOR: Palette = {
  bold: sgr("1"),
  dim: sgr("2"),
  cyan: sgr("36"),
  yellow: sgr("33"),
  red: sgr("31"),
  green: sgr("32"),
};

/** `2026-11-24T09:17:03.123456789Z`: ISO 8601 with all nine digits of the nanoseconds. */
function formatTime(t: CaptureTime): string {
  const ms = t.seconds * 1000;
  const iso = Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : "";
  if (iso === "") return `${t.seconds}.${String(t.nanos).padStart(9, "0")}`;
  return `${iso.slice(0, 19)}.${String(t.nanos).padStart(9, "0")}Z`;
}

/** Milliseconds from `a` to `b`, e.g. `+1.234 ms`. */
function formatDelta(a: CaptureTime, b: CaptureTime): string {
  const ns = (b.seconds - a.seconds) * 1e9 + (b.nanos - a.nanos);
  return `+${(ns / 1e6).toFixed(3)} ms`;
}

/** Bytes as a quoted string: printable ASCII as is, the rest as `\xNN`. */
function escapeBytes(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c === 0x5c) s += "\\\\";
    else if (c === 0x22) s += '\\"';
    else if (c >= 0x20 && c < 0x7f) s += String.fromCharCode(c);
    else if (c === 0x0a) s += "\\n";
    else if (c === 0x0d) s += "\\r";
    else if (c === 0x09) s += "\\t";
    else s += `\\x${c.toString(16).padStart(2, "0")}`;
  }
  return `"${s}"`;
}

/**
 * Text from the wire made safe for a terminal: control characters (C0, DEL, C1) become `\xNN`,
 * so a captured value cannot move the cursor or change colours. Other characters stay.
 */
export function safeText(s: string): string {
  let out = "";
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c !== 0x7f && (c < 0x80 || c >= 0xa0)) continue;
    out += `${s.slice(from, i)}\\x${c.toString(16).padStart(2, "0")}`;
    from = i + 1;
  }
  return from === 0 ? s : out + s.slice(from);
}

function endpoint(e: Endpoint | null): string {
  if (e === null) return "-";
  return e.address.includes(":") ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}

function size(n: number): string {
  return `${n} B`;
}

/** ` sha256 0123456789abcdef…`, or nothing for a body without a digest (one with a hole). */
function digest(sha256: string | null): string {
  return sha256 === null ? "" : ` sha256 ${sha256.slice(0, 16)}…`;
}

/** The vars to show: all in wire order, or those named (each name's values in wire order). */
function selectVars(ex: CapturedExchange, names: readonly string[]): [string, string][] {
  const vars = ex.vars;
  if (vars === null) return [];
  const out: [string, string][] = [];
  if (names.length === 0) {
    for (let i = 0; i < vars.size; i++) out.push([vars.keyAt(i), vars.valueAt(i)]);
    return out;
  }
  for (let i = 0; i < vars.size; i++) {
    const key = vars.keyAt(i);
    if (names.includes(key)) out.push([key, vars.valueAt(i)]);
  }
  return out;
}

function requestLine(ex: CapturedExchange): string {
  const v = ex.vars;
  if (v === null) return "";
  const method = v.get("REQUEST_METHOD");
  const uri = v.get("REQUEST_URI") ?? v.get("PATH_INFO");
  if (method === undefined && uri === undefined) return "";
  return safeText(`${method ?? "?"} ${uri ?? "?"}`);
}

function answerLine(a: CapturedAnswer, p: Palette): string {
  const done = a.complete ? "" : p.yellow(" (incomplete)");
  if (a.kind === "http") {
    const line = safeText(a.statusLine);
    const status = a.status >= 400 ? p.red(line) : p.green(line);
    const lost = a.body.missing > 0 ? p.yellow(`, ${a.body.missing} B missing`) : "";
    return `${status}  ${a.headers.length} header(s), body ${size(a.body.length)}${lost}${digest(a.body.sha256)}${done}`;
  }
  if (a.kind === "packets") {
    const first = a.packets[0];
    const desc =
      first === undefined
        ? "no packet"
        : `uwsgi packet ${first.modifierName} (${first.modifier1}/${first.modifier2}) datasize ${first.datasize}`;
    const b = a.body;
    const lost = b.missing > 0 ? p.yellow(`, ${b.missing} B missing`) : "";
    const content =
      b.length > 0 || b.missing > 0 ? `, content ${size(b.length)}${lost}${digest(b.sha256)}` : "";
    return `${desc}${content}${done}`;
  }
  const lost = a.missing > 0 ? p.yellow(`, ${a.missing} B missing`) : "";
  return `${size(a.length)} raw${lost}${digest(a.body.sha256)}${done}`;
}

/** One exchange as aligned, readable lines. */
export function renderHuman(ex: CapturedExchange, names: readonly string[], p: Palette): string {
  const lines: string[] = [];
  const label = (s: string) => p.dim(s.padEnd(9));
  const head = [
    p.bold(`#${ex.id}`),
    p.cyan(`${ex.modifierName} (${ex.modifier1}/${ex.modifier2})`),
    ex.client === null ? "" : `${endpoint(ex.client)} → ${endpoint(ex.server)}`,
    ex.requestTime === null ? "" : p.dim(formatTime(ex.requestTime)),
  ].filter((s) => s !== "");
  lines.push(head.join("  "));
  const rl = requestLine(ex);
  const varCount = ex.vars === null ? "" : `${ex.vars.size} vars, `;
  lines.push(
    `  ${label("request")} ${rl === "" ? "" : `${p.bold(rl)}  `}(${varCount}datasize ${ex.datasize})`,
  );
  const vars = selectVars(ex, names);
  const width = vars.reduce((w, [k]) => Math.max(w, k.length), 0);
  for (const [k, v] of vars) lines.push(`      ${safeText(k).padEnd(width)}  ${safeText(v)}`);
  if (ex.payload !== null && ex.payload.length > 0) {
    lines.push(`  ${label("payload")} ${escapeBytes(ex.payload.subarray(0, 64))}`);
  }
  const b = ex.body;
  if (b.length > 0 || ex.contentLength > 0 || b.missing > 0 || ex.bodyFraming !== "none") {
    const missing = b.missing > 0 ? p.yellow(`, ${b.missing} B missing`) : "";
    const incomplete = b.complete ? "" : p.yellow(" (incomplete)");
    const framing =
      ex.bodyFraming === "chunked" ? " (chunked)" : ex.bodyFraming === "size" ? " (value)" : "";
    lines.push(
      `  ${label("body")} ${size(b.length)}${framing}${missing}${digest(b.sha256)}  ${escapeBytes(b.preview.subarray(0, 32))}${incomplete}`,
    );
  }
  if (ex.answer !== null) {
    const when =
      ex.requestTime !== null && ex.answerTime !== null
        ? `${p.dim(formatDelta(ex.requestTime, ex.answerTime))}  `
        : "";
    lines.push(`  ${label("answer")} ${when}${answerLine(ex.answer, p)}`);
    if (ex.answer.kind === "http") {
      for (const [k, v] of ex.answer.headers) lines.push(`      ${safeText(k)}: ${safeText(v)}`);
    }
  } else {
    lines.push(`  ${label("answer")} ${p.yellow("none")}`);
  }
  if (ex.requestTime !== null && ex.endTime !== null) {
    lines.push(`  ${label("end")} ${p.dim(formatDelta(ex.requestTime, ex.endTime))}`);
  }
  for (const n of ex.notes) lines.push(`  ${label("note")} ${p.yellow(n)}`);
  for (const e of ex.errors) {
    lines.push(
      `  ${label("error")} ${p.red(`${e.code}`)} ${e.direction}@${e.offset}: ${e.message}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

function time(t: CaptureTime | null): string | null {
  return t === null ? null : formatTime(t);
}

function answerJson(a: CapturedAnswer | null): unknown {
  if (a === null) return null;
  const base = { kind: a.kind, length: a.length, missing: a.missing, complete: a.complete };
  if (a.kind === "http") {
    return {
      ...base,
      statusLine: a.statusLine,
      status: a.status,
      headers: a.headers,
      body: bodyJson(a.body),
    };
  }
  if (a.kind === "packets") {
    return {
      ...base,
      count: a.count,
      packets: a.packets.map((pk) => ({
        modifier1: pk.modifier1,
        modifier2: pk.modifier2,
        modifierName: pk.modifierName,
        datasize: pk.datasize,
        previewHex: pk.preview.toString("hex"),
      })),
      body: bodyJson(a.body),
    };
  }
  return { ...base, body: bodyJson(a.body) };
}

function bodyJson(b: CapturedExchange["body"]): unknown {
  return {
    length: b.length,
    missing: b.missing,
    complete: b.complete,
    sha256: b.sha256,
    previewHex: b.preview.toString("hex"),
  };
}

/** One exchange as one line of JSON. Var keys and values are latin1 strings of their bytes. */
export function renderJson(ex: CapturedExchange, names: readonly string[]): string {
  const obj = {
    id: ex.id,
    client: ex.client === null ? null : endpoint(ex.client),
    server: ex.server === null ? null : endpoint(ex.server),
    requestTime: time(ex.requestTime),
    answerTime: time(ex.answerTime),
    endTime: time(ex.endTime),
    modifier1: ex.modifier1,
    modifier2: ex.modifier2,
    modifierName: ex.modifierName,
    datasize: ex.datasize,
    vars: ex.vars === null ? null : selectVars(ex, names),
    payloadHex: ex.payload === null ? null : ex.payload.toString("hex"),
    contentLength: ex.contentLength,
    bodyFraming: ex.bodyFraming,
    body: bodyJson(ex.body),
    answer: answerJson(ex.answer),
    notes: ex.notes,
    errors: ex.errors,
  };
  return `${JSON.stringify(obj)}\n`;
}
