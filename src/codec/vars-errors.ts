// The errors of the vars walk (src/codec/vars-decode.ts), built out of line so the decoding loop
// stays small enough to optimise well.
import { LENGTH_SIZE } from "./constants.js";
import { UwsgiError } from "./errors.js";

export function trailingBytes(p: number, left: number): UwsgiError {
  return new UwsgiError(
    "TRAILING_BYTES",
    p,
    "another var (at least 4 bytes) or the end of the block",
    `${left} stray byte${left === 1 ? "" : "s"} after the last var`,
  );
}

export function emptyKey(p: number): UwsgiError {
  return new UwsgiError(
    "EMPTY_KEY",
    p,
    "a key of 1 byte or more",
    "var has an empty key (uWSGI drops such a request)",
  );
}

export function lengthOverrun(
  p: number,
  keyLen: number,
  valField: number,
  end: number,
): UwsgiError {
  if (valField > end) {
    return new UwsgiError(
      "KEY_OVERRUNS_DATASIZE",
      p,
      `a key within the ${end - p - LENGTH_SIZE} bytes left in the block`,
      `key length ${keyLen} runs ${valField - end} bytes past the end of the vars block`,
    );
  }
  return new UwsgiError(
    "VALUE_OVERRUNS_DATASIZE",
    valField,
    "a 2-byte value length",
    "the value length field runs past the end of the vars block",
  );
}

export function valueOverrun(valField: number, valLen: number, end: number): UwsgiError {
  return new UwsgiError(
    "VALUE_OVERRUNS_DATASIZE",
    valField,
    `a value within the ${end - valField - LENGTH_SIZE} bytes left in the block`,
    `value length ${valLen} runs ${valField + LENGTH_SIZE + valLen - end} bytes past the end of the vars block`,
  );
}

export function tooManyVars(p: number, maxVars: number): UwsgiError {
  return new UwsgiError(
    "TOO_MANY_VARS",
    p,
    `at most ${maxVars} vars`,
    `var ${maxVars + 1} is over maxVars ${maxVars}`,
  );
}
