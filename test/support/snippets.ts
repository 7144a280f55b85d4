// The README's code blocks as tests. Every fenced block names its test in its info string
// (```ts test=usage); readSnippets finds them, and runSnippet runs a ts/js block as a reader would
// after copying it into a project of their own: a scratch directory where `uwsgi-codec` is
// installed (a link to this repository, so its `exports` point at the built dist/), TypeScript
// blocks type-checked and compiled by the project's tsc against the published .d.ts, then run by
// `node`. A test may put code before the block (the free names it uses, e.g. `socket`) and after
// it (assertions), replace the README's example port numbers by ports of real peers, and record
// the value of an expression statement the block's comment states a result for.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "./dist.js";

/** A fenced block of the README. */
export interface Snippet {
  /** The test it names (`test=NAME` in the info string). */
  readonly name: string;
  /** The info string's first word: ts, js, sh... */
  readonly lang: string;
  readonly code: string;
  /** Line of the opening fence (1-based). */
  readonly line: number;
}

/** Every fenced block; `untagged` holds the lines of those that name no test. */
export function readSnippets(markdown: string): { snippets: Snippet[]; untagged: number[] } {
  const lines = markdown.split("\n");
  const snippets: Snippet[] = [];
  const untagged: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)(.*)$/.exec(lines[i]!);
    if (open === null) continue;
    const end = lines.findIndex((line, j) => j > i && line.startsWith("```"));
    if (end < 0) throw new Error(`README line ${i + 1}: the code block is never closed`);
    const name = /(?:^|\s)test=([\w-]+)/.exec(open[2]!)?.[1];
    if (name === undefined) untagged.push(i + 1);
    else {
      const code = lines.slice(i + 1, end).join("\n");
      snippets.push({ name, lang: open[1]!, code, line: i + 1 });
    }
    i = end;
  }
  return { snippets, untagged };
}

/** The lines of a shell block, without comments and blank lines. */
export function shellLines(code: string): string[] {
  return code
    .split("\n")
    .map((line) => line.replace(/(^|\s)#.*$/, "").trim())
    .filter((line) => line !== "");
}

/** Replaces each README example port (whole number) by a real one; every one must be there. */
export function withPorts(code: string, ports: Readonly<Record<number, number | string>>): string {
  let out = code;
  for (const [from, to] of Object.entries(ports)) {
    const pattern = new RegExp(`\\b${from}\\b`, "g");
    if (!pattern.test(out)) throw new Error(`the snippet no longer mentions port ${from}`);
    out = out.replace(pattern, String(to));
  }
  return out;
}

/**
 * Turns the statement `EXPR;` of a snippet into one that also records EXPR's value under its own
 * text, for the code after the snippet to check against the comment (`seen("EXPR")`).
 */
function record(code: string, expression: string): string {
  const statement = `${expression};`;
  const at = code.indexOf(statement);
  if (at < 0 || code.indexOf(statement, at + 1) >= 0) {
    throw new Error(`the snippet no longer has the statement \`${statement}\` exactly once`);
  }
  const recorded = `__record(${JSON.stringify(expression)}, ${expression});`;
  return code.slice(0, at) + recorded + code.slice(at + statement.length);
}

const RECORDER_TS = `const __seen = new Map<string, unknown>();
function __record<T>(key: string, value: T): T { __seen.set(key, value); return value; }
function seen(key: string): any { if (!__seen.has(key)) throw new Error("not recorded: " + key); return __seen.get(key); }
`;
const RECORDER_JS = `const __seen = new Map();
function __record(key, value) { __seen.set(key, value); return value; }
function seen(key) { if (!__seen.has(key)) throw new Error("not recorded: " + key); return __seen.get(key); }
`;

export interface RunOptions {
  /** Code before the snippet (same language): imports and the free names it uses. */
  readonly before?: string;
  /** Code after it: assertions (node:assert), cleanup. `seen(EXPR)` is a recorded value. */
  readonly after?: string;
  /** README example port -> the port (or path) of the real peer. */
  readonly ports?: Readonly<Record<number, number | string>>;
  /** Expression statements of the snippet whose value `after` checks. */
  readonly record?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** Kill the run after this long (it fails). Defaults to 20 s. */
  readonly timeout?: number;
  /** A name for this run's files when one snippet runs more than once. */
  readonly variant?: string;
}

export interface RunResult {
  readonly status: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A reader's project with the package installed; `remove()` deletes it. */
export interface SnippetProject {
  readonly dir: string;
  /** PATH with the project's node_modules/.bin (the `uwsgi-codec` command) first. */
  readonly path: string;
  run(snippet: Snippet, options?: RunOptions): Promise<RunResult>;
  remove(): void;
}

const numbered = (source: string) =>
  source
    .split("\n")
    .map((line, i) => `${String(i + 1).padStart(3)}| ${line}`)
    .join("\n");

/** Makes the scratch project (dist/ must be built). */
export function createSnippetProject(): SnippetProject {
  const dir = mkdtempSync(join(tmpdir(), "uwsgi-codec-readme-"));
  const bin = join(dir, "node_modules", ".bin");
  mkdirSync(bin, { recursive: true });
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: "readme-snippets", private: true, type: "module" }),
  );
  symlinkSync(ROOT, join(dir, "node_modules", "uwsgi-codec"));
  symlinkSync(join(ROOT, "node_modules", "@types"), join(dir, "node_modules", "@types"));
  // What npm links for the package's "bin" entry.
  writeFileSync(
    join(bin, "uwsgi-codec"),
    `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, "dist", "cli", "main.js")}" "$@"\n`,
    { mode: 0o755 },
  );
  const path = `${bin}:${process.env["PATH"] ?? ""}`;

  function compile(name: string, source: string): string {
    writeFileSync(join(dir, `${name}.ts`), source);
    const config = join(dir, `tsconfig.${name}.json`);
    writeFileSync(
      config,
      JSON.stringify({
        compilerOptions: {
          strict: true,
          target: "es2022",
          module: "nodenext",
          moduleResolution: "nodenext",
          types: ["node"],
          skipLibCheck: true,
          rootDir: ".",
          outDir: "out",
        },
        files: [`${name}.ts`],
      }),
    );
    try {
      execFileSync(join(ROOT, "node_modules", ".bin", "tsc"), ["-p", config], {
        cwd: dir,
        encoding: "utf8",
        stdio: "pipe",
      });
    } catch (err) {
      const { stdout = "" } = err as { stdout?: string };
      throw new Error(`the snippet does not type-check:\n${stdout}\n${numbered(source)}`);
    }
    return join(dir, "out", `${name}.js`);
  }

  return {
    dir,
    path,
    async run(snippet, options = {}) {
      let code = withPorts(snippet.code, options.ports ?? {});
      for (const expression of options.record ?? []) code = record(code, expression);
      const ts = snippet.lang === "ts";
      const source = [
        ts ? RECORDER_TS : RECORDER_JS,
        options.before ?? "",
        code,
        options.after ?? "",
      ]
        .join("\n")
        .concat("\n");
      const name =
        options.variant === undefined ? snippet.name : `${snippet.name}-${options.variant}`;
      let file = join(dir, `${name}.mjs`);
      if (ts) file = compile(name, source);
      else writeFileSync(file, source);
      const result = await runNode(
        file,
        dir,
        { ...options.env, PATH: path },
        options.timeout ?? 20_000,
      );
      return {
        ...result,
        stderr: result.stderr + (result.status === 0 ? "" : `\n${numbered(source)}`),
      };
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function runNode(
  file: string,
  cwd: string,
  env: Readonly<Record<string, string>>,
  timeout: number,
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file], {
      cwd,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeout);
    child.once("close", (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
}
