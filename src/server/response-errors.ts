// A response used the wrong way (a header name or value that would break the answer, a status code
// out of range, a change to the head once it is fixed) is reported as node:http reports it: the
// same classes and codes, so code written against ServerResponse catches the same errors.

/**
 * The codes of response misuse, `node:http`'s own:
 * - `ERR_INVALID_HTTP_TOKEN` (TypeError): a header name that is not an HTTP token.
 * - `ERR_INVALID_CHAR` (TypeError): a header value or reason phrase with a character that would
 *   break the answer (CR, LF, NUL, another control character, one above U+00FF).
 * - `ERR_HTTP_INVALID_HEADER_VALUE` (TypeError): a header value that is not a string, a finite
 *   number or an array of them (`node:http` refuses `undefined` and writes anything else as text).
 * - `ERR_HTTP_INVALID_STATUS_CODE` (RangeError): a status code that is not an integer 100-999.
 * - `ERR_HTTP_HEADERS_SENT` (Error): a change to the status line or headers after `writeHead` or
 *   the first write.
 */
export type ResponseErrorCode =
  | "ERR_INVALID_HTTP_TOKEN"
  | "ERR_INVALID_CHAR"
  | "ERR_HTTP_INVALID_HEADER_VALUE"
  | "ERR_HTTP_INVALID_STATUS_CODE"
  | "ERR_HTTP_HEADERS_SENT";

/** A TypeError, RangeError or Error with a stable `code`, as `node:http` throws them. */
export type ResponseError = Error & { readonly code: ResponseErrorCode };

function withCode<E extends Error>(error: E, code: ResponseErrorCode): E & ResponseError {
  Object.defineProperty(error, "code", {
    value: code,
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return error as E & ResponseError;
}

/** One character, and where it is, as a person can read it: `"\r" (U+000D) at 2`. */
function charAt(text: string, i: number): string {
  const c = text.charCodeAt(i);
  return `${JSON.stringify(text[i])} (U+${c.toString(16).padStart(4, "0").toUpperCase()}) at ${i}`;
}

/** A header name that is not an HTTP token; `at` is where the first bad character is (-1: empty or not a string). */
export function invalidToken(name: unknown, at: number): ResponseError {
  const shown = typeof name === "string" ? JSON.stringify(name) : String(name);
  const where = at < 0 ? "" : `: ${charAt(name as string, at)} is not a token character`;
  return withCode(
    new TypeError(`Header name must be a valid HTTP token [${shown}]${where}`),
    "ERR_INVALID_HTTP_TOKEN",
  );
}

/** `text` (a header's value, or the reason phrase) has a character that would break the answer at `at`. */
export function invalidChar(text: string, at: number, header: string | null): ResponseError {
  const what = header === null ? "statusMessage" : `header content [${JSON.stringify(header)}]`;
  return withCode(
    new TypeError(`Invalid character in ${what}: ${charAt(text, at)}`),
    "ERR_INVALID_CHAR",
  );
}

/** A header value of a type that is not written: `undefined`, `null`, an object, NaN... */
export function invalidHeaderValue(header: string, value: unknown): ResponseError {
  const shown = typeof value === "number" ? String(value) : value === null ? "null" : typeof value;
  return withCode(
    new TypeError(
      `Invalid value ${JSON.stringify(shown)} for header ${JSON.stringify(header)}: a header value is a string, a finite number or an array of them`,
    ),
    "ERR_HTTP_INVALID_HEADER_VALUE",
  );
}

/** A status code that is not an integer 100-999. */
export function invalidStatus(code: unknown): ResponseError {
  const shown = typeof code === "string" ? JSON.stringify(code) : String(code);
  return withCode(
    new RangeError(`Invalid status code: ${shown} (an integer 100-999)`),
    "ERR_HTTP_INVALID_STATUS_CODE",
  );
}

/** The head is fixed (`writeHead`, or a write, came first): `verb` is set, append, remove, write. */
export function headersSent(verb: string): ResponseError {
  return withCode(
    new Error(`Cannot ${verb} headers after they are sent to the client`),
    "ERR_HTTP_HEADERS_SENT",
  );
}
