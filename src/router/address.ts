import { invalidArgType, invalidArgValue } from "../codec/arguments.js";

/** A parsed node address: `net.connect` options, and a `UwsgiAddress` for the client's calls. */
export type NodeAddress =
  | { readonly host: string; readonly port: number }
  | { readonly path: string };

/**
 * A backend address as uWSGI writes it: `host:port` (`[::1]:3031` for IPv6) for TCP, anything
 * else (`/run/app.sock`, `@abstract`) for a unix socket. Returns its host and port or its path,
 * or undefined when the string cannot be an address.
 */
export function parseAddress(address: string): NodeAddress | undefined {
  if (address.length === 0) return undefined;
  const first = address.charCodeAt(0);
  // A path: uWSGI treats a name without a colon, or starting with / or @, as a unix socket.
  if (first === 0x2f || first === 0x2e) return { path: address };
  if (first === 0x40) return { path: `\0${address.slice(1)}` };
  const colon = address.lastIndexOf(":");
  if (colon < 0) return { path: address };
  const portText = address.slice(colon + 1);
  if (!/^\d{1,5}$/.test(portText)) return undefined;
  const port = Number(portText);
  if (port === 0 || port > 65535) return undefined;
  let host = address.slice(0, colon);
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  // uWSGI's ":3031" means every interface; to connect, that is this machine.
  if (host === "" || host === "0.0.0.0") host = "127.0.0.1";
  return { host, port };
}

/** Checks an address argument; returns it parsed. */
export function checkAddress(name: string, value: unknown): NodeAddress {
  if (typeof value !== "string") throw invalidArgType(name, "of type string", value);
  const parsed = parseAddress(value);
  if (parsed === undefined) {
    throw invalidArgValue(name, value, "must be 'host:port' (port 1-65535) or a unix socket path");
  }
  return parsed;
}
