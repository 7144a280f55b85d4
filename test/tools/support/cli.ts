import { type CliIo, main } from "../../../src/cli/main.js";

/** What a command wrote and returned. */
export interface CliRun {
  readonly code: number;
  readonly stdout: Buffer;
  readonly stderr: string;
}

class Sink {
  readonly parts: Buffer[] = [];
  readonly isTTY: boolean;
  constructor(isTTY: boolean) {
    this.isTTY = isTTY;
  }
  write(chunk: string | Uint8Array): boolean {
    this.parts.push(typeof chunk === "string" ? Buffer.from(chunk, "utf8") : Buffer.from(chunk));
    return true;
  }
}

async function* toAsync(parts: Buffer[]): AsyncGenerator<Uint8Array> {
  yield* parts;
}

/** Runs `uwsgi-codec ARGV...` in this process with fake stdout/stderr (and stdin). */
export async function cli(argv: readonly string[], stdin?: string, tty = false): Promise<CliRun> {
  const stdout = new Sink(false);
  const stderr = new Sink(tty);
  const io: CliIo =
    stdin === undefined
      ? { stdout, stderr }
      : { stdout, stderr, stdin: toAsync([Buffer.from(stdin)]) };
  const code = await main(argv, io);
  return {
    code,
    stdout: Buffer.concat(stdout.parts),
    stderr: Buffer.concat(stderr.parts).toString("utf8"),
  };
}
