// Ready-made middleware, after uWSGI's internal routing actions (core/routing.c,
// plugins/router_rewrite). Each returns a plain function; write your own the same way.

import { checkInteger, invalidArgType } from "../codec/arguments.js";
import type { Middleware, RouterRequest } from "./request.js";

function checkString(name: string, value: unknown): string {
  if (typeof value !== "string") throw invalidArgType(name, "of type string", value);
  return value;
}

/** Sets a var (uWSGI's `setvar`-like: one var of that name, at the first one's place). */
export function setVar(key: string, value: string): Middleware {
  checkString("key", key);
  checkString("value", value);
  return (req) => void req.vars.set(key, value);
}

/** Adds a var last (uWSGI's `addvar`: a duplicate's last value wins in the environ). */
export function addVar(key: string, value: string): Middleware {
  checkString("key", key);
  checkString("value", value);
  return (req) => void req.vars.add(key, value);
}

/** Removes every var named `key`. */
export function deleteVar(key: string): Middleware {
  checkString("key", key);
  return (req) => void req.vars.delete(key);
}

/** Sets PATH_INFO (uWSGI's `setpathinfo`). */
export function setPathInfo(value: string): Middleware {
  return setVar("PATH_INFO", value);
}

/** Sets SCRIPT_NAME (uWSGI's `setscriptname`). */
export function setScriptName(value: string): Middleware {
  return setVar("SCRIPT_NAME", value);
}

/** Sends `modifier1` (and `modifier2` when given) instead of the packet's (uWSGI's `setmodifier1/2`). */
export function setModifiers(modifier1: number, modifier2?: number): Middleware {
  checkInteger("modifier1", modifier1, 0, 255);
  if (modifier2 !== undefined) checkInteger("modifier2", modifier2, 0, 255);
  return (req) => {
    req.modifier1 = modifier1;
    if (modifier2 !== undefined) req.modifier2 = modifier2;
  };
}

/** %XX decoded to the byte XX; a `%` without two hex digits stays (uWSGI's http_url_decode). */
function urlDecode(s: string): string {
  return s.replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) =>
    String.fromCharCode(Number.parseInt(h, 16)),
  );
}

/**
 * uWSGI's `rewrite`: when PATH_INFO matches `pattern`, it becomes `replacement` (with `$1`...
 * groups). A `?` in the result splits it: the part before is the new PATH_INFO (URL-decoded), the
 * part after goes first in QUERY_STRING, joined to the old query with `&`.
 */
export function rewrite(pattern: RegExp, replacement: string): Middleware {
  if (!(pattern instanceof RegExp)) throw invalidArgType("pattern", "a RegExp", pattern);
  checkString("replacement", replacement);
  return (req: RouterRequest) => {
    const path = req.vars.get("PATH_INFO") ?? "";
    pattern.lastIndex = 0;
    if (!pattern.test(path)) return;
    pattern.lastIndex = 0;
    const target = path.replace(pattern, replacement);
    const q = target.indexOf("?");
    if (q < 0) {
      req.vars.set("PATH_INFO", urlDecode(target));
      return;
    }
    const old = req.vars.get("QUERY_STRING") ?? "";
    const added = target.slice(q + 1);
    req.vars.set("PATH_INFO", urlDecode(target.slice(0, q)));
    req.vars.set("QUERY_STRING", old === "" ? added : `${added}&${old}`);
  };
}

/**
 * Routes by path: the longest prefix of PATH_INFO in `routes` names the pool (`{ "/api/": "api" }`).
 * A request no prefix matches keeps the pool its key chose.
 */
export function routeByPath(routes: Readonly<Record<string, string>>): Middleware {
  if (routes === null || typeof routes !== "object")
    throw invalidArgType("routes", "of type object", routes);
  const prefixes = Object.keys(routes).sort((a, b) => b.length - a.length);
  for (const p of prefixes) checkString(`routes.${p}`, routes[p]);
  return (req) => {
    const path = req.vars.get("PATH_INFO") ?? "";
    const hit = prefixes.find((p) => path.startsWith(p));
    if (hit !== undefined) req.pool = routes[hit]!;
  };
}

/** Answers `status` (403 by default) to requests `when` accepts (every request without it). */
export function deny(status = 403, when?: (req: RouterRequest) => boolean): Middleware {
  checkInteger("status", status, 400, 599);
  if (when !== undefined && typeof when !== "function")
    throw invalidArgType("when", "of type function", when);
  return (req) => {
    if (when === undefined || when(req)) req.respond(status, {}, `${status}\n`);
  };
}
