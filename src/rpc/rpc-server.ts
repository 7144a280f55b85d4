// The server side of uWSGI's RPC: a Node uwsgi server answers modifier1 173 calls with registered
// JS functions, so uWSGI's `uwsgi.rpc("host:port", name, ...)` (and rpc() from this package)
// reaches Node. How a call is answered is rpc-answer.ts.

import type { Socket } from "node:net";
import { invalidArgType, invalidArgValue } from "../codec/arguments.js";
import { MAX_RPC_NAME_LENGTH } from "../codec/rpc.js";
import type { ServerOptions } from "../server/options.js";
import { createServer, type UwsgiServer } from "../server/server.js";
import { answerRpcWith, type RpcFunction } from "./rpc-answer.js";

export type { RpcFunction } from "./rpc-answer.js";

/** Functions by name: a plain object, a Map, or `[name, function]` pairs. */
export type RpcFunctionsInit =
  | Readonly<Record<string, RpcFunction>>
  | ReadonlyMap<string, RpcFunction>
  | Iterable<readonly [string, RpcFunction]>;

const serverFunctions = new WeakMap<UwsgiServer, Map<string, RpcFunction>>();

function toMap(functions: unknown): Map<string, RpcFunction> {
  if (functions === null || typeof functions !== "object") {
    throw invalidArgType("functions", "an object, a Map or [name, function] pairs", functions);
  }
  const entries =
    typeof (functions as Partial<Iterable<unknown>>)[Symbol.iterator] === "function"
      ? [...(functions as Iterable<unknown>)]
      : Object.entries(functions);
  const map = new Map<string, RpcFunction>();
  for (const entry of entries) {
    if (!Array.isArray(entry) || entry.length !== 2) {
      throw invalidArgType("functions", "[name, function] pairs", entry);
    }
    const [name, fn] = entry as [unknown, unknown];
    checkName(name);
    if (typeof fn !== "function") throw invalidArgType(`functions.${name}`, "a function", fn);
    map.set(name as string, fn as RpcFunction);
  }
  return map;
}

function checkName(name: unknown): void {
  if (typeof name !== "string") throw invalidArgType("name", "of type string", name);
  let callable = name.length > 0 && name.length <= MAX_RPC_NAME_LENGTH;
  for (let i = 0; callable && i < name.length; i++) {
    const c = name.charCodeAt(i);
    callable = c > 0 && c <= 0xff;
  }
  if (!callable) {
    throw invalidArgValue(
      "name",
      name,
      `must be 1-${MAX_RPC_NAME_LENGTH} latin1 chars without NUL (what uWSGI can call)`,
    );
  }
}

/**
 * Makes `server` (from `createServer`) answer RPC calls (modifier1 173) with `functions`, beside
 * its requests. Returns the live table: add or delete functions in it at any time. Calling it
 * again on the same server adds to the same table.
 */
export function serveRpc(
  server: UwsgiServer,
  functions: RpcFunctionsInit,
): Map<string, RpcFunction> {
  if (server === null || typeof server !== "object" || typeof server.on !== "function") {
    throw invalidArgType("server", "a server from createServer()", server);
  }
  const added = toMap(functions);
  let table = serverFunctions.get(server);
  if (table === undefined) {
    const created = new Map<string, RpcFunction>();
    table = created;
    serverFunctions.set(server, created);
    server.on("connection", (socket: Socket) => answerRpcWith(socket, created));
  }
  for (const [name, fn] of added) table.set(name, fn);
  return table;
}

/**
 * A uwsgi server that answers RPC calls with `functions` and nothing else: a plain request gets a
 * 404. `options` are `createServer`'s.
 */
export function createRpcServer(functions: RpcFunctionsInit, options?: ServerOptions): UwsgiServer {
  const table = toMap(functions);
  const server = createServer(options, (_req, res) => {
    res.statusCode = 404;
    res.setHeader("Content-Type", "text/plain");
    res.end("this server answers uwsgi RPC calls (modifier1 173) only\n");
  });
  serveRpc(server, table);
  return server;
}
