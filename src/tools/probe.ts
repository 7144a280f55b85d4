import { connect } from "node:net";
import { connectOptions, type UwsgiAddress } from "../client/address.js";
import { ping } from "../client/ping.js";
import { request } from "../client/request.js";
import { MAX_DATASIZE as MAX } from "../codec/constants.js";

const MAX_DATASIZE: number = MAX;

import { encodePacket } from "../codec/packet.js";
import { DEFAULT_FRONT, nginxVars } from "./http-request.js";

/** Options of {@link probe}. */
export interface ProbeOptions {
  /** Milliseconds to wait for each answer. Defaults to 3000. */
  readonly timeout?: number;
  /**
   * Also send requests that reach the application (HEAD to `path` for the most vars, a small
   * chunked POST for chunked input). Defaults to false: only pings (modifier1 100), which never
   * reach it.
   */
  readonly app?: boolean;
  /** The path of the application requests. Defaults to "/". */
  readonly path?: string;
}

/** What {@link probe} found. */
export interface ProbeReport {
  /** The ping (modifier1 100): a pong came back, with its latency and warning text. */
  readonly ping: { readonly alive: boolean; readonly latencyMs: number; readonly warning: string };
  /**
   * The largest datasize (vars block) the server reads: its `--buffer-size`, capped at 65535.
   * Null when the server never read a packet at all.
   */
  readonly bufferSize: number | null;
  /** Connections the search used. */
  readonly bufferSizeProbes: number;
  /** The most vars a request may carry (with `app`), or null. */
  readonly maxVars: number | null;
  /** A chunked request body (with `app`): the status answered, or null when refused or not tried. */
  readonly chunked: { readonly tried: boolean; readonly status: number | null } | null;
  /** The findings in words. */
  readonly advice: readonly string[];
}

// How long a server's clean close is given to turn out a reset (see sendPacket).
const RESET_GRACE = 50;
const NOTHING = new Uint8Array(0);

/**
 * Sends one packet and says whether the server read it: "read", "refused" (reset) or "silent".
 * A server that refuses a packet closes as soon as it has read the header; when the rest of the
 * packet has not all reached it by then (a loaded machine), its FIN comes first and the reset
 * only when the rest arrives. So after a FIN the socket stays half-open for RESET_GRACE, then
 * writes nothing: over TCP a write of no bytes sends nothing but fails on a socket that was
 * reset, and passes on one the server closed after reading it all. (A unix socket has no reset
 * to wait for: a packet not all written when the server closed fails its own write, and an
 * empty write fails on any closed peer.)
 */
function sendPacket(
  address: UwsgiAddress,
  packet: Uint8Array,
  timeout: number,
): Promise<"read" | "refused" | "silent"> {
  return new Promise((resolve) => {
    const options = connectOptions(address);
    const tcp = !("path" in options);
    const socket = connect({ ...options, allowHalfOpen: true });
    let outcome: "read" | "refused" | "silent" | undefined;
    let written = false;
    const done = (o: "read" | "refused" | "silent") => {
      if (outcome !== undefined) return;
      outcome = o;
      clearTimeout(timer);
      socket.destroy();
      resolve(o);
    };
    let timer = setTimeout(() => done("silent"), timeout);
    socket.on("data", () => done("read"));
    socket.on("end", () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (!tcp) return done(written ? "read" : "refused");
        socket.write(NOTHING, (err) => done(err == null && written ? "read" : "refused"));
      }, RESET_GRACE);
    });
    socket.on("error", (err: NodeJS.ErrnoException) => {
      // uWSGI closes with unread bytes in its socket: the kernel answers with a reset.
      done(err.code === "ECONNRESET" || err.code === "EPIPE" ? "refused" : "silent");
    });
    socket.on("close", () => done(written ? "read" : "refused"));
    socket.write(packet, () => {
      written = true;
    });
  });
}

/** A modifier1 100 packet whose vars block is exactly `datasize` bytes (one padding var). */
function pingOfSize(datasize: number): Uint8Array {
  if (datasize < 5) return encodePacket({ modifier1: 100, payload: new Uint8Array(datasize) });
  return encodePacket({ modifier1: 100, vars: [["P", "x".repeat(datasize - 5)]] });
}

/** The vars of a minimal nginx GET (what every request carries before its own headers). */
function baseVars(path: string, extra: number): [string, string][] {
  const vars = nginxVars(
    {
      method: "HEAD",
      target: path,
      headers: [["Host", "localhost"]],
      body: new Uint8Array(0),
      hasBody: false,
    },
    DEFAULT_FRONT,
  );
  for (let i = 0; i < extra; i++) vars.push(["HTTP_X", ""]);
  return vars;
}

async function answers(
  address: UwsgiAddress,
  vars: [string, string][],
  timeout: number,
): Promise<boolean> {
  try {
    const res = await request({ ...address, vars, timeout, connectTimeout: timeout });
    res.body.resume();
    return true;
  } catch {
    return false;
  }
}

/**
 * Asks a running uwsgi server, with harmless requests, what it accepts: a ping; the largest
 * vars block it reads (`--buffer-size`), found by bisection with modifier1 100 packets, which
 * uWSGI reads in full before it looks at the modifier (a packet over the buffer is reset, one
 * within it answered or closed cleanly); with `app`, the most vars (HEAD requests) and whether
 * a chunked body is answered. Never rejects for what the server does; rejects with Node's
 * argument errors for a wrong address.
 */
export async function probe(
  address: UwsgiAddress,
  options: ProbeOptions = {},
): Promise<ProbeReport> {
  connectOptions(address, "address");
  const timeout = options.timeout ?? 3000;
  const path = options.path ?? "/";
  const pong = await ping(address, { timeout });
  let probes = 0;
  const reads = async (size: number) => {
    probes++;
    return (await sendPacket(address, pingOfSize(size), timeout)) === "read";
  };
  let bufferSize: number | null = null;
  if (await reads(MAX_DATASIZE)) bufferSize = MAX_DATASIZE;
  else if (await reads(0)) {
    let lo = 0;
    let hi = MAX_DATASIZE;
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if (await reads(mid)) lo = mid;
      else hi = mid;
    }
    bufferSize = lo;
  }
  let maxVars: number | null = null;
  let chunked: ProbeReport["chunked"] = null;
  if (options.app === true && bufferSize !== null) {
    const base = baseVars(path, 0);
    const room = bufferSize - encodePacket({ vars: base }).length + 4;
    if (await answers(address, base, timeout)) {
      let lo = 0;
      let hi = Math.floor(room / 11) + 1;
      if (await answers(address, baseVars(path, hi - 1), timeout)) lo = hi - 1;
      else {
        while (hi - lo > 1) {
          const mid = (lo + hi) >>> 1;
          if (await answers(address, baseVars(path, mid), timeout)) lo = mid;
          else hi = mid;
        }
      }
      maxVars = base.length + lo;
    }
    try {
      const vars = nginxVars(
        {
          method: "POST",
          target: path,
          headers: [["Host", "localhost"]],
          body: new Uint8Array(0),
          hasBody: false,
        },
        DEFAULT_FRONT,
      ).filter(([k]) => k !== "CONTENT_LENGTH");
      const res = await request({ ...address, vars, body: "probe", chunked: true, timeout });
      res.body.resume();
      chunked = { tried: true, status: res.statusCode };
    } catch {
      chunked = { tried: true, status: null };
    }
  }
  return {
    ping: { alive: pong.alive, latencyMs: pong.latencyMs, warning: pong.warning },
    bufferSize,
    bufferSizeProbes: probes,
    maxVars,
    chunked,
    advice: advise(pong.alive, bufferSize, maxVars, chunked, path),
  };
}

function advise(
  alive: boolean,
  bufferSize: number | null,
  maxVars: number | null,
  chunked: ProbeReport["chunked"],
  path: string,
): string[] {
  const out: string[] = [];
  out.push(
    alive
      ? "It answers uwsgi pings: `uwsgi --ping` and `uwsgi-codec ping` work as health checks."
      : "It does not answer uwsgi pings (no ping plugin loaded, or not a uWSGI socket): add --plugin ping for `uwsgi --ping` health checks.",
  );
  if (bufferSize === null) {
    out.push("It read no packet at all: this may not be a uwsgi socket.");
    return out;
  }
  // What nginx's own vars take before the request's headers; each header line "Name: value\r\n"
  // becomes HTTP_NAME + value, 5 bytes more.
  const base = encodePacket({ vars: baseVars("/", 0) }).length - 4;
  out.push(
    bufferSize === MAX_DATASIZE
      ? "Its --buffer-size is at the uwsgi protocol's maximum (65535): nginx itself refuses larger requests (500, `uwsgi request is too big`)."
      : `Its --buffer-size is ${bufferSize}: nginx requests whose request line and headers take more than about ${Math.max(0, bufferSize - base)} bytes will get 502 from this server (nginx logs \`recv() failed (104: Connection reset by peer)\`); raise --buffer-size (at most 65535)${bufferSize <= 8192 ? ": browsers with a few cookies pass 4 KB, and some pass 8 KB" : ""}.`,
  );
  if (maxVars !== null) {
    out.push(
      `It takes at most ${maxVars} vars in a request: nginx sends ${baseVars("/", 0).length - 1} of its own plus one per header, so requests with more than ${maxVars - baseVars("/", 0).length + 1} headers get 502 (\`upstream prematurely closed connection\`); raise --max-vars (each unit allows two vars: ${maxVars / 2} now).`,
    );
  }
  if (chunked !== null) {
    out.push(
      chunked.status === null
        ? `A chunked request body to ${path} got no answer: the app does not read chunked input (uWSGI 2.0 hands it over only through uwsgi.chunked_read()). nginx de-chunks client bodies before uwsgi_pass, so this only matters for clients that talk uwsgi directly.`
        : `A chunked request body to ${path} was answered (${chunked.status}); uWSGI 2.0 leaves the de-chunking to the app (uwsgi.chunked_read()), which only matters for clients that talk uwsgi directly: nginx de-chunks before uwsgi_pass.`,
    );
  }
  return out;
}
