/** Exit codes of the CLI (every command). */
export const ExitCode = {
  /** Done, and nothing was wrong. */
  OK: 0,
  /** Done, but what was read had errors (an exchange with decode errors or gaps, a damaged file). */
  DECODE_ERRORS: 1,
  /** The command line is wrong. */
  USAGE: 2,
  /** The input cannot be read, or is no capture, hex dump or uwsgi stream at all. */
  NOT_A_CAPTURE: 3,
  /** An output file (`--body`) could not be written. */
  OUTPUT: 4,
  /** A bug: an exception that is none of the above. */
  INTERNAL: 70,
} as const;

/** A text sink: `process.stdout`/`stderr` or a test double. */
export interface CliOutput {
  /** Text, or bytes (an answer body written as it came, by `request`). */
  write(text: string | Uint8Array): boolean;
  readonly isTTY?: boolean;
  once?(event: "drain", listener: () => void): unknown;
}

/** What the CLI talks to; tests pass fakes. */
export interface CliIo {
  readonly stdout: CliOutput;
  readonly stderr: CliOutput;
  /** Read for the file name `-`. */
  readonly stdin?: AsyncIterable<Uint8Array | string>;
  /** Environment (NO_COLOR). Defaults to none. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Writes `text`, waiting for `drain` when the sink says it is full. */
export async function write(out: CliOutput, text: string | Uint8Array): Promise<void> {
  if (!out.write(text) && out.once !== undefined) {
    await new Promise<void>((resolve) => out.once!("drain", resolve));
  }
}

/** One sub-command: `uwsgi-codec NAME ...`. */
export interface CliCommand {
  /** One line for the list of commands. */
  readonly summary: string;
  /** Its usage text (`uwsgi-codec NAME --help`). */
  readonly help: string;
  /** Runs it on the arguments after its name; resolves with the exit code. */
  run(argv: readonly string[], io: CliIo): Promise<number>;
}
