// The routing key, as uWSGI's FastRouter reads it (plugins/fastrouter/fastrouter.c,
// fr_get_hostname): walking the vars in order, UWSGI_FASTROUTER_KEY always takes the key,
// HTTP_HOST takes it unless a UWSGI_FASTROUTER_KEY did, SERVER_NAME only while no key is set; a
// value over 255 bytes is skipped. The Host port stays in the key (`example.com:8080`).

import { latin1Slice } from "../codec/bytes.js";

/** The longest key FastRouter accepts. */
export const MAX_KEY_LENGTH = 255;

const SERVER_NAME = "SERVER_NAME";
const HTTP_HOST = "HTTP_HOST";
const FASTROUTER_KEY = "UWSGI_FASTROUTER_KEY";

function keyIs(raw: Uint8Array, at: number, len: number, name: string): boolean {
  if (len !== name.length) return false;
  for (let i = 0; i < len; i++) if (raw[at + i] !== name.charCodeAt(i)) return false;
  return true;
}

/**
 * FastRouter's key of a vars block (`raw`, already validated by the decoder), as a latin1 string,
 * or undefined when the request has none (FastRouter drops such a request). With `forcedKey`
 * false, UWSGI_FASTROUTER_KEY is passed over: the key of the vars once an untrusted client's
 * `UWSGI_*` vars are dropped.
 */
export function fastRouterKey(raw: Uint8Array, forcedKey = true): string | undefined {
  let start = 0;
  let length = 0;
  let forced = false;
  let p = 0;
  while (p + 4 <= raw.length) {
    const keyLen = raw[p]! | (raw[p + 1]! << 8);
    const v = p + 2 + keyLen;
    const valueLen = raw[v]! | (raw[v + 1]! << 8);
    const next = v + 2 + valueLen;
    // Only names of length 9, 11 and 20 can match: the common vars are skipped on the length.
    if (valueLen <= MAX_KEY_LENGTH && (keyLen === 9 || keyLen === 11 || keyLen === 20)) {
      const at = p + 2;
      if (
        (keyLen === 20 && forcedKey && keyIs(raw, at, keyLen, FASTROUTER_KEY)) ||
        (!forced && keyIs(raw, at, keyLen, HTTP_HOST)) ||
        (length === 0 && keyIs(raw, at, keyLen, SERVER_NAME))
      ) {
        if (keyLen === 20) forced = true;
        start = v + 2;
        length = valueLen;
      }
    }
    p = next;
  }
  if (length === 0) return undefined;
  return latin1Slice(raw, start, start + length);
}
