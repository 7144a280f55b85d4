// Argument errors, as Node reports them: a TypeError or RangeError with a stable `code`, naming
// the argument and what was received. Errors about bytes are UwsgiError; errors about how a
// function was called are these. Pure: no Node globals, so the codec loads anywhere.

/**
 * The codes of argument errors, Node's own where Node has one:
 * - `ERR_INVALID_ARG_TYPE` (TypeError): an argument or option of the wrong type.
 * - `ERR_INVALID_ARG_VALUE` (TypeError): the right type, a value that is not accepted.
 * - `ERR_OUT_OF_RANGE` (RangeError): a number outside its range.
 * - `ERR_MISSING_ARGS` (TypeError): a required argument was not given.
 * - `ERR_UNKNOWN_OPTION` (TypeError): an options object has a key the function does not know.
 */
export type ArgumentErrorCode =
  | "ERR_INVALID_ARG_TYPE"
  | "ERR_INVALID_ARG_VALUE"
  | "ERR_OUT_OF_RANGE"
  | "ERR_MISSING_ARGS"
  | "ERR_UNKNOWN_OPTION";

/** A TypeError or RangeError with a stable `code`, as Node's own argument errors. */
export type ArgumentError = (TypeError | RangeError) & { readonly code: ArgumentErrorCode };

function withCode<E extends Error>(error: E, code: ArgumentErrorCode): E & { code: typeof code } {
  Object.defineProperty(error, "code", {
    value: code,
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return error as E & { code: typeof code };
}

/** What was received, in Node's words: `Received type string ('5')`, `Received undefined`. */
export function received(value: unknown): string {
  if (value === undefined) return "Received undefined";
  if (value === null) return "Received null";
  if (typeof value === "function") {
    const name = (value as { name?: string }).name;
    return `Received function ${name === undefined || name === "" ? "<anonymous>" : name}`;
  }
  if (typeof value === "object") {
    const ctor = (value as { constructor?: { name?: string } }).constructor?.name;
    return ctor !== undefined && ctor !== "" && ctor !== "Object"
      ? `Received an instance of ${ctor}`
      : "Received an object";
  }
  let shown = typeof value === "string" ? `'${value}'` : String(value);
  if (shown.length > 28) shown = `${shown.slice(0, 25)}...`;
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") {
    return `Received ${typeof value === "bigint" ? `${shown}n` : shown}`;
  }
  return `Received type ${typeof value} (${shown})`;
}

/** `name` must be of `expected` (e.g. `"of type number"`, `"a Uint8Array"`). */
export function invalidArgType(name: string, expected: string, value: unknown): ArgumentError {
  return withCode(
    new TypeError(`The "${name}" argument must be ${expected}. ${received(value)}`),
    "ERR_INVALID_ARG_TYPE",
  );
}

/** `name` has the right type but a value that is not accepted; `reason` says what is. */
export function invalidArgValue(name: string, value: unknown, reason: string): ArgumentError {
  return withCode(
    new TypeError(`The "${name}" argument ${reason}. ${received(value)}`),
    "ERR_INVALID_ARG_VALUE",
  );
}

/** A number outside `range` (e.g. `">= 0 && <= 65535"`, `"an integer"`). */
export function outOfRange(name: string, range: string, value: unknown): ArgumentError {
  return withCode(
    new RangeError(
      `The value of "${name}" is out of range. It must be ${range}. ${received(value)}`,
    ),
    "ERR_OUT_OF_RANGE",
  );
}

/** Required arguments that were not given. */
export function missingArgs(...names: string[]): ArgumentError {
  const list = names.map((n) => `"${n}"`).join(" and ");
  return withCode(
    new TypeError(`The ${list} argument${names.length > 1 ? "s" : ""} must be specified`),
    "ERR_MISSING_ARGS",
  );
}

/** `key` is not an option of `where`; `hint` names the option the caller probably meant. */
export function unknownOption(where: string, key: string, hint?: string): ArgumentError {
  const tail = hint === undefined ? "" : `; did you mean "${hint}"?`;
  return withCode(
    new TypeError(`"${key}" is not an option of ${where}${tail}`),
    "ERR_UNKNOWN_OPTION",
  );
}

/**
 * Checks that `options` is undefined or a plain object whose keys are all in `known`. An unknown
 * key is refused; `aliases` maps other spellings (node:http's names for the same thing, old names)
 * to ours so the message can name the right one. A key differing only in case is hinted too.
 */
export function checkOptions(
  where: string,
  options: unknown,
  known: readonly string[],
  aliases?: Readonly<Record<string, string>>,
): void {
  if (options === undefined) return;
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw invalidArgType("options", "of type object", options);
  }
  for (const key in options) {
    if (!Object.hasOwn(options, key) || known.includes(key)) continue;
    let hint = aliases !== undefined && Object.hasOwn(aliases, key) ? aliases[key] : undefined;
    if (hint === undefined) {
      const lower = key.toLowerCase();
      hint = known.find((k) => k.toLowerCase() === lower);
    }
    throw unknownOption(where, key, hint);
  }
}

/**
 * Checks an integer argument or option in `[min, max]` (`max` may be Infinity, which is then
 * accepted as a value meaning "no limit"); returns it.
 */
export function checkInteger(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number") throw invalidArgType(name, "of type number", value);
  if (value === Number.POSITIVE_INFINITY && max === Number.POSITIVE_INFINITY) return value;
  if (!Number.isInteger(value) || value < min || value > max) {
    const upper = max === Number.POSITIVE_INFINITY ? "" : ` && <= ${max}`;
    const infinite = max === Number.POSITIVE_INFINITY ? " (or Infinity)" : "";
    throw outOfRange(name, `an integer >= ${min}${upper}${infinite}`, value);
  }
  return value;
}

/** Checks a boolean argument or option; returns it. */
export function checkBoolean(name: string, value: unknown): boolean {
  if (typeof value !== "boolean") throw invalidArgType(name, "of type boolean", value);
  return value;
}

/** Checks that `value` is one of `allowed` strings; returns it. */
export function checkOneOf<T extends string>(
  name: string,
  value: unknown,
  allowed: readonly T[],
): T {
  if (typeof value !== "string") throw invalidArgType(name, "of type string", value);
  if (!(allowed as readonly string[]).includes(value)) {
    throw invalidArgValue(name, value, `must be one of ${allowed.map((a) => `'${a}'`).join(", ")}`);
  }
  return value as T;
}

/** Checks an index into something holding `length` entries (`0 <= index < length`); returns it. */
export function checkIndex(name: string, value: unknown, length: number): number {
  if (typeof value !== "number") throw invalidArgType(name, "of type number", value);
  if (!Number.isInteger(value) || value < 0 || value >= length) {
    throw outOfRange(name, `an integer >= 0 && < ${length}`, value);
  }
  return value;
}
