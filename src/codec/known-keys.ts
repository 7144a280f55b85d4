// The var names nginx's uwsgi_params and common request headers put in nearly every packet. Where
// a key becomes a property name (VarsView.toObject), one that matches is given as this interned
// string: comparing up to ~20 bytes costs far less than V8 internalizing a new string (~80 ns),
// and every packet repeats them. (For keyAt, a substring of the block text is cheaper still.)
const NAMES = [
  "QUERY_STRING",
  "REQUEST_METHOD",
  "CONTENT_TYPE",
  "CONTENT_LENGTH",
  "REQUEST_URI",
  "PATH_INFO",
  "DOCUMENT_ROOT",
  "SERVER_PROTOCOL",
  "REQUEST_SCHEME",
  "HTTPS",
  "REMOTE_ADDR",
  "REMOTE_PORT",
  "SERVER_PORT",
  "SERVER_NAME",
  "SCRIPT_NAME",
  "HTTP_HOST",
  "HTTP_USER_AGENT",
  "HTTP_ACCEPT",
  "HTTP_ACCEPT_LANGUAGE",
  "HTTP_ACCEPT_ENCODING",
  "HTTP_CONNECTION",
  "HTTP_COOKIE",
  "HTTP_REFERER",
  "HTTP_CACHE_CONTROL",
  "HTTP_CONTENT_TYPE",
  "HTTP_CONTENT_LENGTH",
  "HTTP_UPGRADE_INSECURE_REQUESTS",
  "HTTP_X_FORWARDED_FOR",
  "HTTP_X_FORWARDED_PROTO",
  "HTTP_X_REAL_IP",
  "HTTP_ORIGIN",
  "HTTP_AUTHORIZATION",
  "HTTP_IF_NONE_MATCH",
  "HTTP_IF_MODIFIED_SINCE",
  "HTTP_SEC_FETCH_SITE",
  "HTTP_SEC_FETCH_MODE",
  "HTTP_SEC_FETCH_DEST",
  "HTTP_SEC_FETCH_USER",
] as const;

const MAX_LEN = 32;
const BY_LENGTH: readonly (readonly string[])[] = (() => {
  const table: string[][] = Array.from({ length: MAX_LEN + 1 }, () => []);
  for (const name of NAMES) table[name.length]!.push(name);
  return table;
})();

/** The interned name whose bytes are `buf[start, start + len)`, or undefined. */
export function knownKey(buf: Uint8Array, start: number, len: number): string | undefined {
  if (len > MAX_LEN) return undefined;
  const candidates = BY_LENGTH[len]!;
  for (let c = 0; c < candidates.length; c++) {
    const name = candidates[c]!;
    // Names sharing a length mostly differ early ("HTTP_" aside), so check the last byte first.
    if (buf[start + len - 1] !== name.charCodeAt(len - 1)) continue;
    let i = 0;
    while (i < len && buf[start + i] === name.charCodeAt(i)) i++;
    if (i === len) return name;
  }
  return undefined;
}
