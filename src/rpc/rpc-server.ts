// The server side of uWSGI's RPC: a Node uwsgi server answers modifier1 173 calls with registered
// JS functions, so uWSGI's `uwsgi.rpc("host:port", name, ...)` (and rpc() from this package)
// reaches Node. How a call is answered is rpc-answer.ts.

import { invalidArgType, invalidArgValue } from "../codec/arguments.js";
import { MAX_RPC_NAME_LENGTH } from "../codec/rpc.js";
import type { ServerOptions } from "../server/options.js";
import type { UwsgiRequest } from "../server/request.js";
import type { UwsgiServerResponse } from "../server/response.js";
import { createServer, type UwsgiServer } from "../server/server.js";
import { type RpcFunction, rpcFunctionsOf } from "./rpc-answer.js";

/** Functions by name: a plain object, a Map, or `[name, function]` pairs. */
export type RpcFunctionsInit =
  | Readonly<Record<string, RpcFunction>>
  | ReadonlyMap<string, RpcFunction>
  | Iterable<readonly [string, RpcFunction]>;

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
  const table = rpcFunctionsOf(server);
  for (const [name, fn] of added) table.set(name, fn);
  return table;
}

/**
 * A uwsgi server that answers RPC calls with `functions`: modifier1 173 calls (see rpc-answer.ts)
 * and, as uWSGI's rpc plugin, modifier2 2 requests, whose PATH_INFO `/name/arg/arg` names the
 * call (nginx: `uwsgi_modifier1 173; uwsgi_modifier2 2;`), answered with HTTP 200 and the result
 * (`Content-Type` from HTTP_ACCEPT, else `application/binary`), 404 when there is no such
 * function or it returns nothing, 500 without a PATH_INFO. Other requests get a 404; a function
 * that throws gets the server's 500. `options` are `createServer`'s.
 */
export function createRpcServer(functions: RpcFunctionsInit, options?: ServerOptions): UwsgiServer {
  const table = toMap(functions);
  const server = createServer(options, (req, res) => answerPathCall(table, req, res));
  serveRpc(server, table);
  return server;
}

function answer(res: UwsgiServerResponse, status: number, type: string, body: Uint8Array | string) {
  res.statusCode = status;
  res.setHeader("Content-Type", type);
  res.setHeader("Content-Length", typeof body === "string" ? Buffer.byteLength(body) : body.length);
  res.end(body);
}

async function answerPathCall(
  table: ReadonlyMap<string, RpcFunction>,
  req: UwsgiRequest,
  res: UwsgiServerResponse,
): Promise<void> {
  req.resume();
  if (req.modifier1 !== 173 || req.modifier2 !== 2) {
    answer(res, 404, "text/plain", "this server answers uwsgi RPC calls (modifier1 173) only\n");
    return;
  }
  // uWSGI splits PATH_INFO with strtok: empty parts (a leading or doubled slash) are skipped.
  const parts = (req.vars.get("PATH_INFO") ?? "").split("/").filter((p) => p !== "");
  if (parts.length === 0) {
    answer(res, 500, "text/plain", "Internal Server Error");
    return;
  }
  const fn = table.get(parts[0]!);
  const result =
    fn === undefined ? undefined : await fn(...parts.slice(1).map((p) => Buffer.from(p, "latin1")));
  const bytes = typeof result === "string" ? Buffer.from(result, "utf8") : result;
  if (bytes === undefined || bytes === null || bytes.length === 0) {
    answer(res, 404, "text/plain", "Not Found");
    return;
  }
  if (!(bytes instanceof Uint8Array))
    throw new TypeError(`the RPC function ${parts[0]} returned ${typeof bytes}`);
  const accept = req.vars.get("HTTP_ACCEPT");
  const type =
    accept === undefined || accept === "*/*" || accept === "*" ? "application/binary" : accept;
  answer(res, 200, type, bytes);
}
