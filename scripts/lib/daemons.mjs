// The peers a script runs (uWSGI, nginx, dumpcap): each in its own process group, its output
// kept for error messages, stopped with everything it forked. The tests have their own, in
// TypeScript (test/interop/support/process.ts).
import { spawn, spawnSync } from "node:child_process";

/** Exits with the install command when one of `names` is not on the PATH: no silent skip. */
export function requireBinaries(names, aptPackages) {
  for (const name of names) {
    if (spawnSync("sh", ["-c", `command -v ${name}`]).status !== 0) {
      console.error(`${name} is not installed: apt-get install -y ${aptPackages}`);
      process.exit(1);
    }
  }
}

/** The daemons a script started, stopped together (last started, first stopped) by stopAll(). */
export class Daemons {
  #list = [];

  /** Starts `cmd` detached (its own process group), stdout and stderr kept. */
  start(cmd, argv, cwd) {
    const child = spawn(cmd, argv, { cwd, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const exited = new Promise((r) => child.once("exit", r));
    const d = { child, output: () => out, exited };
    this.#list.push(d);
    return d;
  }

  /** Sends `signal` to the daemon's group, SIGKILL after 3 s, and waits for the exit. */
  async stop(d, signal = "SIGTERM") {
    const kill = (sig) => {
      try {
        process.kill(-d.child.pid, sig);
      } catch {
        // The group is already gone.
      }
    };
    kill(signal);
    const t = setTimeout(() => kill("SIGKILL"), 3000);
    await d.exited;
    clearTimeout(t);
  }

  async stopAll() {
    for (const d of this.#list.reverse()) await this.stop(d);
    this.#list = [];
  }

  /**
   * Starts dumpcap with `argv` (interface, filter...) writing `file`, with a 64 MiB kernel buffer
   * (loopback at full speed overruns the default 2 MiB and drops frames); resolves once it says
   * it is capturing. Stop it with stop(d, "SIGINT") so that it writes the file's end.
   */
  async startDumpcap(argv, file, cwd) {
    const d = this.start("dumpcap", [...argv, "-B", "64", "-w", file], cwd);
    for (let i = 0; i < 200 && !d.output().includes("Capturing on"); i++) await sleep(25);
    if (!d.output().includes("Capturing on")) throw new Error(`dumpcap: ${d.output()}`);
    return d;
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
