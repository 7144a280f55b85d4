// Answers one RPC call (modifier1 173) that came to a uwsgi server, with the functions that
// serveRpc() gave the server (see rpc-server.ts): as uWSGI's rpc plugin answers
// (plugins/rpc/rpc_plugin.c), modifier2 0 gets a framed result (modifier2 5 and CONTENT_LENGTH
// over 64 KiB), any other modifier2 the result bytes alone; an unknown function, a failing one
// and an empty result close the connection without a byte. Arguments are read as uWSGI reads them
// (core/protocol.c `uwsgi_parse_array`): empty items are dropped, an empty last item refuses the
// call. Kept apart from rpc-server.ts so the server's connection imports it without a cycle.

import type { Socket } from "node:net";
import type { UwsgiError } from "../codec/errors.js";
import type { ArrayPacket, Packet } from "../codec/packet.js";
import { encodeRpcAnswerHead, RpcModifier2 } from "../codec/rpc.js";
import { userCodeFailed } from "../server/connection-errors.js";
import { UwsgiServerError } from "../server/server-error.js";

/**
 * A function uWSGI (or `rpc()`) can call: it gets the arguments as Buffers (copies) and returns
 * the result: bytes, a string (sent as UTF-8), or a promise of either. Returning nothing (or
 * empty) is answered as uWSGI answers it: the connection closes without a byte.
 */
export type RpcFunction = (
  ...args: Buffer[]
) => Uint8Array | string | null | undefined | Promise<Uint8Array | string | null | undefined>;

/** What the RPC answer needs from the server a call came to: which it is, and its reporting. */
export interface RpcHost {
  /** The server (the key serveRpc() files its functions under). */
  readonly server: object;
  clientError(err: UwsgiError | UwsgiServerError, socket: Socket): void;
  handlerError(err: Error): void;
}

// The functions each server answers RPC calls with, filled by serveRpc().
const serverFunctions = new WeakMap<object, Map<string, RpcFunction>>();

/** @internal The live table of functions `server` answers RPC calls with, made on first use. */
export function rpcFunctionsOf(server: object): Map<string, RpcFunction> {
  let table = serverFunctions.get(server);
  if (table === undefined) {
    table = new Map();
    serverFunctions.set(server, table);
  }
  return table;
}

/**
 * @internal Called by the server's connection for a modifier1 173 packet. Returns false when the
 * server serves no functions (the packet stays unsupported); otherwise answers the call
 * (or closes, as uWSGI does) and returns true. The connection must not touch the socket after.
 */
export function answerRpc(host: RpcHost, packet: Packet, socket: Socket): boolean {
  const table = serverFunctions.get(host.server);
  if (table === undefined || packet.kind !== "array") return false;
  const items = (packet as ArrayPacket).items;
  // uWSGI's reading: empty items dropped, an empty last item refuses the call, 255 items at most.
  const kept: Buffer[] = [];
  for (let i = 0; i < items.length && kept.length < 255; i++) {
    const item = items.getBytes(i);
    if (item.length > 0) kept.push(Buffer.from(item));
    else if (i === items.length - 1) {
      refuse(host, socket, "the call's last item is empty (uWSGI refuses such a call)");
      return true;
    }
  }
  if (kept.length === 0) {
    refuse(host, socket, "an RPC call without a function name");
    return true;
  }
  const name = kept[0]!.toString("latin1");
  const fn = table.get(name);
  if (fn === undefined) {
    refuse(host, socket, `no RPC function named ${JSON.stringify(name.slice(0, 64))}`);
    return true;
  }
  const framed = packet.modifier2 === RpcModifier2.FRAMED;
  let result: ReturnType<RpcFunction>;
  try {
    result = fn(...kept.slice(1));
  } catch (err) {
    failed(host, socket, name, err);
    return true;
  }
  if (
    result !== null &&
    typeof result === "object" &&
    typeof (result as Promise<unknown>).then === "function"
  ) {
    (result as Promise<Uint8Array | string | null | undefined>).then(
      (value) => send(host, socket, name, value, framed),
      (err: unknown) => failed(host, socket, name, err),
    );
  } else {
    send(host, socket, name, result as Uint8Array | string | null | undefined, framed);
  }
  return true;
}

function send(host: RpcHost, socket: Socket, name: string, value: unknown, framed: boolean): void {
  let bytes: Uint8Array;
  if (value === null || value === undefined) bytes = EMPTY;
  else if (typeof value === "string") bytes = Buffer.from(value, "utf8");
  else if (value instanceof Uint8Array) bytes = value;
  else {
    failed(host, socket, name, new TypeError(`returned ${typeof value}, not bytes or a string`));
    return;
  }
  if (socket.destroyed || !socket.writable) return;
  if (bytes.length === 0) {
    // uWSGI's own client reads an empty result as a failure; uWSGI closes instead of sending it.
    socket.end();
    return;
  }
  socket.cork();
  if (framed) socket.write(encodeRpcAnswerHead(bytes.length));
  socket.write(bytes);
  socket.uncork();
  socket.end();
}

const EMPTY = new Uint8Array(0);

function refuse(host: RpcHost, socket: Socket, why: string): void {
  host.clientError(new UwsgiServerError("UNSUPPORTED_PACKET", why), socket);
  socket.end();
}

function failed(host: RpcHost, socket: Socket, name: string, err: unknown): void {
  host.handlerError(userCodeFailed(`the RPC function ${name} failed`, err));
  if (!socket.destroyed) socket.end();
}
