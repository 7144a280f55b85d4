#!/usr/bin/env node
import { readFileSync, realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { UsageError } from "./args.js";
import { type CliCommand, type CliIo, type CliOutput, ExitCode, write } from "./io.js";

export { type CliCommand, type CliIo, type CliOutput, ExitCode } from "./io.js";

/**
 * The sub-commands, by name, each loaded when it runs: a command's modules (and their
 * dependencies) cost start-up time only to the command that needs them. A new command is one
 * entry here and one file beside this one.
 */
export const COMMANDS: Readonly<Record<string, () => Promise<CliCommand>>> = {
  decode: async () => (await import("./decode-command.js")).decodeCommand,
  request: async () => (await import("./commands/request-command.js")).requestCommand,
  ping: async () => (await import("./commands/ping-command.js")).pingCommand,
  probe: async () => (await import("./commands/probe-command.js")).probeCommand,
  explain: async () => (await import("./commands/explain-command.js")).explainCommand,
  load: async () => (await import("./commands/load-command.js")).loadCommand,
  dissector: async () => (await import("./commands/dissector-command.js")).dissectorCommand,
};

async function help(): Promise<string> {
  const names = Object.keys(COMMANDS);
  const commands = await Promise.all(names.map((n) => COMMANDS[n]!()));
  const width = Math.max(...names.map((n) => n.length));
  const list = names.map((n, i) => `  ${n.padEnd(width)}  ${commands[i]!.summary}`).join("\n");
  return `Usage: uwsgi-codec COMMAND [options]   (uwsgi-codec COMMAND --help for its options)

Commands:
${list}

Options:
  --help, -h     this text
  --version, -V  the version

Exit codes:
  0  done, nothing wrong
  1  done, but what was read had errors (decode errors, capture gaps, a damaged file)
  2  usage error
  3  the input cannot be read, or is not what the command reads
  4  an output file could not be written
  70 internal error (a bug: please report it)
Each command's --help lists its own (request's are curl's, ping's those of uwsgi --ping).
`;
}

function version(): string {
  // src/cli and dist/cli are both two levels below the package root.
  const url = new URL("../../package.json", import.meta.url);
  try {
    const pkg = JSON.parse(readFileSync(url, "utf8")) as { version?: string };
    return pkg.version ?? "unknown";
  } catch {
    return "unknown";
  }
}

/**
 * Runs the CLI on `argv` (the arguments after the script name) and returns the exit code. Writes
 * only to `io`; never calls `process.exit`. A {@link UsageError} from a command is printed with
 * that command's usage (exit 2); any other exception goes on (`runCli` makes it exit 70).
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === "help" || first === "--help" || first === "-h") {
    if (first === undefined) {
      await write(io.stderr, `uwsgi-codec: no command given\n\n${await help()}`);
      return ExitCode.USAGE;
    }
    const named = first === "help" && rest[0] !== undefined ? commandNamed(rest[0]) : undefined;
    await write(io.stdout, named === undefined ? await help() : (await named()).help);
    return ExitCode.OK;
  }
  if (first === "--version" || first === "-V") {
    await write(io.stdout, `uwsgi-codec ${version()}\n`);
    return ExitCode.OK;
  }
  const load = commandNamed(first);
  if (load === undefined) {
    const what = first.startsWith("-")
      ? `option ${first} comes after a command`
      : `unknown command "${first}"`;
    await write(io.stderr, `uwsgi-codec: ${what}\n\n${await help()}`);
    return ExitCode.USAGE;
  }
  const command = await load();
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    await write(io.stderr, `uwsgi-codec ${first}: ${err.message}\n\n${command.help}`);
    return ExitCode.USAGE;
  }
}

function commandNamed(name: string): (() => Promise<CliCommand>) | undefined {
  return Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
}

/** True when `script` (argv[1]) is this module, also through an npm bin symlink. */
export function isEntryPoint(script: string | undefined): boolean {
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

/** The parts of `process` the program uses. */
export interface CliProcess {
  readonly argv: readonly string[];
  readonly stdout: CliOutput & { on(event: "error", listener: (err: Error) => void): unknown };
  readonly stderr: CliOutput;
  readonly stdin: AsyncIterable<Uint8Array | string>;
  readonly env: Readonly<Record<string, string | undefined>>;
  exitCode?: number | string | null | undefined;
  exit(code: number): never;
}

/** Runs the program on `proc` (the real `process` from the bin); resolves once it has set `exitCode`. */
export async function runCli(proc: CliProcess): Promise<void> {
  proc.stdout.on("error", (err: Error) => {
    // `uwsgi-codec decode big.pcap | head`: the reader went away; stop quietly.
    if ((err as NodeJS.ErrnoException).code === "EPIPE") proc.exit(ExitCode.OK);
    else throw err;
  });
  try {
    proc.exitCode = await main(proc.argv.slice(2), {
      stdout: proc.stdout,
      stderr: proc.stderr,
      stdin: proc.stdin,
      env: proc.env,
    });
  } catch (err) {
    proc.stderr.write(`uwsgi-codec: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
    proc.exitCode = ExitCode.INTERNAL;
  }
}

if (isEntryPoint(process.argv[1])) void runCli(process);
