// Runs in headless Chromium (test/browser/core.test.ts), loaded as a native ES module. The page's
// import map points "uwsgi-codec" at the package's "." export in dist/, as a user's page would.
// Every function returns plain values (hex strings, arrays) for the test to compare with what
// Node computed independently (test/support/oracle.ts).
import {
  bytesMissing,
  decodeArray,
  decodePacket,
  encodeArray,
  encodePacket,
  PacketDecoderStream,
  UwsgiError,
} from "uwsgi-codec";

const NODE_GLOBALS = ["Buffer", "process", "require", "module", "global", "setImmediate"];

/** Node's globals this page has (none expected). */
export function nodeGlobals() {
  return NODE_GLOBALS.filter((name) => typeof globalThis[name] !== "undefined");
}

/** @param {Uint8Array} bytes */
function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** @param {string} text */
function fromHex(text) {
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** An error as plain data: its class, and the code and offset a UwsgiError carries. */
function describeError(err) {
  if (!(err instanceof Error)) return { thrown: String(err) };
  return {
    name: err.name,
    isUwsgiError: err instanceof UwsgiError,
    code: err.code,
    offset: err.offset,
    message: err.message,
  };
}

/** encodePacket of a request (latin1 and utf8), and of an RPC array. */
export function encode(vars) {
  const latin1 = encodePacket({ modifier1: 0, modifier2: 0, vars });
  const utf8 = encodePacket({ vars: { PATH_INFO: "/café" } }, { encoding: "utf8" });
  const rpc = encodeArray(["hello", "wörld"]);
  return {
    isUint8Array: latin1 instanceof Uint8Array,
    latin1: hex(latin1),
    utf8: hex(utf8),
    rpc: hex(rpc),
  };
}

/** decodePacket of `packetHex` followed by `bodyHex`, and of the RPC array. */
export function decode(packetHex, bodyHex, rpcHex) {
  const input = fromHex(packetHex + bodyHex);
  const packet = decodePacket(input);
  if (packet.kind !== "vars") return { kind: packet.kind };
  const pathInfo = packet.vars.getBytes("PATH_INFO");
  return {
    kind: packet.kind,
    modifier1: packet.modifier1,
    modifier2: packet.modifier2,
    byteLength: packet.byteLength,
    missing: bytesMissing(input.subarray(0, packet.byteLength - 1)),
    entries: [...packet.vars.entries()],
    object: { ...packet.vars.toObject() },
    // getBytes is a view of the input, not a copy.
    viewSharesInput: pathInfo !== undefined && pathInfo.buffer === input.buffer,
    viewOffset: pathInfo === undefined ? -1 : pathInfo.byteOffset,
    body: hex(input.subarray(packet.byteLength)),
    rpc: decodeArray(fromHex(rpcHex)).toArray(),
  };
}

/** decodePacket of malformed bytes (with the vector's decode options): the error as data. */
export function refuse(badHex, options) {
  try {
    decodePacket(fromHex(badHex), 0, options ?? undefined);
    return { thrown: false };
  } catch (err) {
    return describeError(err);
  }
}

/**
 * Pipes `streamHex` through a PacketDecoderStream in chunks of `chunkSize` bytes and lists the
 * events: packets as their vars, body pieces as hex, or the error that ended the stream.
 */
export async function stream(streamHex, chunkSize, options) {
  const bytes = fromHex(streamHex);
  let at = 0;
  const source = new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.slice(at, at + chunkSize));
      at += chunkSize;
    },
  });
  const events = [];
  const reader = source.pipeThrough(new PacketDecoderStream(options ?? undefined)).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (value.type === "packet") {
        events.push({
          type: "packet",
          kind: value.packet.kind,
          vars: value.packet.kind === "vars" ? [...value.packet.vars.entries()] : [],
        });
      } else if (value.type === "body" || value.type === "trailing") {
        events.push({ type: value.type, hex: hex(value.chunk) });
      } else {
        events.push({ type: value.type });
      }
    }
  } catch (err) {
    events.push({ type: "error", error: describeError(err) });
  }
  return events;
}
