import { checkInteger } from "./arguments.js";
import { MAX_U8 } from "./constants.js";

/**
 * What a packet's data holds: a vars block (key/value pairs), a uwsgi array (length-prefixed items
 * without keys), opaque bytes, or nothing (the receiver ignores whatever is there).
 */
export type PayloadKind = "vars" | "array" | "raw" | "empty";

/**
 * Every modifier1 uWSGI documents or assigns in its sources (Protocol.rst, `uwsgi.h`, the plugins).
 * Values 1-3 are reserved by Unbit and have no name here.
 */
export const Modifier1 = {
  WSGI: 0,
  PSGI: 5,
  LUA: 6,
  RACK: 7,
  JVM: 8,
  CGI: 9,
  MANAGEMENT: 10,
  GO: 11,
  PHP: 14,
  MONO: 15,
  SPOOLER: 17,
  SYMCALL: 18,
  SSI: 19,
  EVAL: 22,
  XSLT: 23,
  V8: 24,
  GRIDFS: 25,
  FASTFUNC: 26,
  GLUSTERFS: 27,
  RADOS: 28,
  WSGI_SCRIPT_NAME: 30,
  MESSAGE: 31,
  MESSAGE_ARRAY: 32,
  MESSAGE_MARSHAL: 33,
  WEBDAV: 35,
  SNMP: 48,
  RAW_HTTP: 72,
  MULTICAST_ANNOUNCE: 73,
  MULTICAST: 74,
  CLUSTER_NODE: 95,
  REMOTE_LOGGING: 96,
  RELOAD: 97,
  RELOAD_GRACEFUL: 98,
  CONFIG: 99,
  PING: 100,
  ECHO: 101,
  LEGION: 109,
  SIGNAL: 110,
  CACHE: 111,
  EMPEROR_CONFIG: 115,
  COREROUTER_SIGNAL: 123,
  RPC: 173,
  PERSISTENT_CLOSE: 200,
  SUBSCRIPTION: 224,
  EXAMPLE: 250,
  RESPONSE: 255,
} as const;

/**
 * @internal The pong uWSGI answers a ping with, without warning text: modifier1 100, datasize 0,
 * modifier2 1. Shared read-only bytes: the server and the router write it as it is.
 */
export const PONG: Uint8Array = Uint8Array.of(Modifier1.PING, 0, 0, 1);

/** The name of a known modifier1, e.g. `"WSGI"`. */
export type Modifier1Name = keyof typeof Modifier1;

/** What the registry knows about one modifier1. */
export interface ModifierInfo {
  /** The constant's name, or `"UNKNOWN_<n>"` for a value uWSGI does not assign. */
  readonly name: string;
  /** True when uWSGI assigns this value. */
  readonly known: boolean;
  /** The payload of a request carrying this modifier1 (cache and RPC depend on modifier2). */
  readonly payload: PayloadKind;
  /** One line on what the packet is for. */
  readonly description: string;
}

type Row = readonly [Modifier1Name, PayloadKind, string];

// Payload kinds are those of the *request* direction; answers (ping's pong, RPC results) are raw
// and decoders must be told so. Sources: uwsgi-docs Protocol.rst and each plugin's `.modifier1`.
const ROWS: readonly Row[] = [
  ["WSGI", "vars", "WSGI request; the body (CONTENT_LENGTH bytes) follows the packet"],
  ["PSGI", "vars", "PSGI (Perl) request; body follows"],
  ["LUA", "vars", "Lua WSAPI request; body follows"],
  ["RACK", "vars", "Rack (Ruby) request; body follows"],
  ["JVM", "vars", "JVM request; modifier2 picks the handler (0 JWSGI, 1 Ring, 2 Servlet)"],
  ["CGI", "vars", "CGI request; body follows"],
  ["MANAGEMENT", "raw", "management flag; modifier2 is the flag, data a u32 value or empty"],
  ["GO", "vars", "Go (gccgo) request; body follows"],
  ["PHP", "vars", "PHP request; body follows"],
  ["MONO", "vars", "Mono ASP.NET request; body follows"],
  ["SPOOLER", "vars", "spooler job; answered [255, 0, 0, 1] on success"],
  ["SYMCALL", "vars", "symcall request; body follows"],
  ["SSI", "vars", "server-side includes request"],
  ["EVAL", "raw", "raw code evaluation; modifier2 picks the interpreter"],
  ["XSLT", "vars", "XSLT request"],
  ["V8", "vars", "V8 (JavaScript) request"],
  ["GRIDFS", "vars", "GridFS request"],
  ["FASTFUNC", "empty", "fast function call; modifier2 is the function id"],
  ["GLUSTERFS", "vars", "GlusterFS request (Protocol.rst swaps 26 and 27; the code has 27)"],
  ["RADOS", "vars", "RADOS request"],
  ["WSGI_SCRIPT_NAME", "vars", "WSGI request with SCRIPT_NAME removed from PATH_INFO"],
  ["MESSAGE", "raw", "generic message (reserved)"],
  ["MESSAGE_ARRAY", "raw", "char array message (reserved)"],
  ["MESSAGE_MARSHAL", "raw", "marshalled object message (reserved)"],
  ["WEBDAV", "vars", "WebDAV request"],
  ["SNMP", "raw", "SNMP request to the master (UDP)"],
  ["RAW_HTTP", "raw", "not a packet: the bytes 'HTTP' of an HTTP answer read as a header"],
  ["MULTICAST_ANNOUNCE", "raw", "multicast announce; modifier2 is the type"],
  ["MULTICAST", "raw", "multicast message"],
  ["CLUSTER_NODE", "vars", "cluster membership (legacy); modifier2 is the action"],
  ["REMOTE_LOGGING", "raw", "remote log message"],
  ["RELOAD", "empty", "brutal reload; modifier2 0 request, 1 confirmation"],
  ["RELOAD_GRACEFUL", "empty", "graceful reload; modifier2 0 request, 1 confirmation"],
  ["CONFIG", "vars", "configuration request"],
  ["PING", "empty", "ping (modifier2 0) / pong (1); the pong may carry warning text"],
  ["ECHO", "raw", "echo; the answer is the payload alone, without a header"],
  ["LEGION", "raw", "legion message (UDP, encrypted vars)"],
  ["SIGNAL", "empty", "signal; modifier2 is the signal number, answered [255, 0, 0, 1]"],
  ["CACHE", "raw", "cache operation; modifier2 picks it and the payload (see payloadKindOf)"],
  ["EMPEROR_CONFIG", "raw", "emperor to vassal configuration push"],
  ["COREROUTER_SIGNAL", "raw", "corerouter special: switch to raw body pass-through"],
  ["RPC", "array", "RPC call: function name then arguments; modifier2 picks the answer form"],
  ["PERSISTENT_CLOSE", "empty", "close mark for persistent connections"],
  ["SUBSCRIPTION", "vars", "subscription (datagram); modifier2 0 subscribe, else unsubscribe"],
  ["EXAMPLE", "raw", "example plugins"],
  ["RESPONSE", "raw", "generic answer; modifier2 is a request-dependent status"],
];

const TABLE: readonly (ModifierInfo | undefined)[] = (() => {
  const table: (ModifierInfo | undefined)[] = new Array(256).fill(undefined);
  for (const [name, payload, description] of ROWS) {
    table[Modifier1[name]] = Object.freeze({ name, known: true, payload, description });
  }
  for (let i = 0; i < 256; i++) {
    table[i] ??= Object.freeze({
      name: `UNKNOWN_${i}`,
      known: false,
      payload: "raw",
      description: "not assigned by uWSGI; uWSGI closes the connection",
    });
  }
  return table;
})();

/** Registry entry for `modifier1` (0-255); unknown values get a generated, stable entry. */
export function modifierInfo(modifier1: number): ModifierInfo {
  const info = Number.isInteger(modifier1) ? TABLE[modifier1] : undefined;
  if (info === undefined) checkInteger("modifier1", modifier1, 0, MAX_U8);
  return info!;
}

/** `"WSGI"` for 0, `"PING"` for 100, `"UNKNOWN_42"` for a value uWSGI does not assign. */
export function modifierName(modifier1: number): string {
  return modifierInfo(modifier1).name;
}

/**
 * The payload of a request with these modifiers. Cache (111) and RPC (173) depend on modifier2;
 * everything else depends on modifier1 alone.
 */
export function payloadKindOf(modifier1: number, modifier2: number): PayloadKind {
  if (!(Number.isInteger(modifier2) && modifier2 >= 0 && modifier2 <= MAX_U8)) {
    checkInteger("modifier2", modifier2, 0, MAX_U8);
  }
  if (modifier1 === Modifier1.CACHE) {
    // 1 set and the UDP sync pair 10/11 carry arrays ([key, value(, expires)] / [key]); 3/4 dict
    // gets and 17 "magic" carry vars; 0 get, 2 del, 5 get-stream and 6 dump carry a bare key or name.
    if (modifier2 === 1 || modifier2 === 10 || modifier2 === 11) return "array";
    if (modifier2 === 3 || modifier2 === 4 || modifier2 === 17) return "vars";
    return "raw";
  }
  if (modifier1 === Modifier1.RPC) {
    // 2 takes the call from PATH_INFO in a normal vars block; 3 is an XML-RPC body.
    if (modifier2 === 2) return "vars";
    if (modifier2 === 3) return "raw";
    return "array";
  }
  return modifierInfo(modifier1).payload;
}
