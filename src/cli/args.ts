import { type ParseArgsConfig, parseArgs } from "node:util";

/** A command line that cannot be run; the CLI prints the message and the usage, and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The options of a command line, as `node:util` parseArgs takes them. */
export type CliOptions = NonNullable<ParseArgsConfig["options"]>;

/** What {@link parseStrict} returns: parseArgs' typed values and the positionals. */
export type ParsedCommandLine<O extends CliOptions> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>
>;

/** `node:util` parseArgs, strict, with its complaints as {@link UsageError}. */
export function parseStrict<O extends CliOptions>(
  argv: readonly string[],
  options: O,
): ParsedCommandLine<O> {
  try {
    return parseArgs({ args: [...argv], allowPositionals: true, strict: true, options });
  } catch (err) {
    // parseArgs says what is wrong in words a person can act on; its code is ERR_PARSE_ARGS_*.
    throw new UsageError((err as Error).message);
  }
}

/** Comma-separated lists from repeated options, blanks dropped: `--vars A,B --vars C`. */
export function splitList(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    for (const name of v.split(",")) {
      const n = name.trim();
      if (n !== "") out.push(n);
    }
  }
  return out;
}

/** A TCP port, 1-65535. */
export function portOf(option: string, text: string): number {
  const n = Number(text);
  if (!(Number.isInteger(n) && n >= 1 && n <= 65535) || text.trim() === "") {
    throw new UsageError(`${option} ${text}: not a port number (1-65535)`);
  }
  return n;
}

/** One of `allowed`. */
export function oneOf<T extends string>(option: string, text: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(text)) {
    throw new UsageError(`${option} ${text}: use one of ${allowed.join(", ")}`);
  }
  return text as T;
}
