import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { rm } from "node:fs/promises";
import { waitForPort } from "./ports.js";

const KEEP = 64 * 1024;

/** A daemon started in its own process group, stopped with everything it forked. */
export interface Daemon {
  readonly pid: number;
  /** True until the process exits. */
  alive(): boolean;
  /** The last 64 KiB of its stdout and stderr, for error messages. */
  output(): string;
  /** Kills the process group (TERM, then KILL after 2 s) and waits for the exit; idempotent. */
  stop(): Promise<void>;
}

/** Fails loudly, with the install command, when a peer binary is missing: no silent skip. */
export function requireBinary(name: string, aptPackages: string): void {
  const found = spawnSync("sh", ["-c", `command -v ${name}`]).status === 0;
  if (!found) {
    throw new Error(
      `${name} is not installed; the interop tests need it: apt-get install -y ${aptPackages}`,
    );
  }
}

/** Starts `command` detached (its own process group) with output captured. */
export function startDaemon(command: string, args: readonly string[], cwd: string): Daemon {
  const child: ChildProcess = spawn(command, args, {
    cwd,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let exited = false;
  const keep = (chunk: Buffer) => {
    out += chunk.toString("utf8");
    if (out.length > KEEP) out = out.slice(-KEEP);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exit = new Promise<void>((resolve) => {
    child.once("exit", () => {
      exited = true;
      resolve();
    });
    child.once("error", (err) => {
      out += `\nspawn failed: ${err.message}`;
      exited = true;
      resolve();
    });
  });
  const pid = child.pid ?? -1;
  let stopping: Promise<void> | undefined;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      // The group is already gone.
    }
  };
  return {
    pid,
    alive: () => !exited,
    output: () => out,
    stop() {
      if (stopping !== undefined) return stopping;
      if (exited || pid < 0) {
        stopping = Promise.resolve();
        return stopping;
      }
      signal("SIGTERM");
      const timer = setTimeout(() => signal("SIGKILL"), 2000);
      stopping = exit.then(() => {
        clearTimeout(timer);
        // Workers left behind by a master that died first.
        signal("SIGKILL");
      });
      return stopping;
    },
  };
}

/**
 * Waits until `daemon` listens on `port`, then returns its stop function, which also removes its
 * temp dir `dir`. If it never listens, stops it and throws with its output (and `extraLogs()`).
 */
export async function awaitListening(
  name: string,
  daemon: Daemon,
  port: number,
  dir: string,
  extraLogs: () => string = () => "",
): Promise<() => Promise<void>> {
  const stop = async () => {
    await daemon.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, 15_000, daemon.alive);
  } catch (err) {
    const logs = `${daemon.output()}\n${extraLogs()}`;
    await stop();
    throw new Error(`${name} did not start: ${(err as Error).message}\n${logs}`);
  }
  return stop;
}
