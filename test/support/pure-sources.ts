// What the "runs anywhere" tests share: compiling some entry points of src/ as they are published
// (into a temp dir, for a child Node process to import with its globals deleted), and the static
// guard that no source of a pure layer names a Node global.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "./dist.js";

/**
 * Compiles `entries` (paths under src/, e.g. "src/index.ts") and what they import with the build's
 * settings into a new temp dir; returns the dir (the JS is in its dist/, an ES module package).
 * The caller removes the dir.
 */
export function compileEntries(entries: readonly string[], prefix: string): string {
  const out = mkdtempSync(join(tmpdir(), prefix));
  const config = join(out, "tsconfig.json");
  writeFileSync(
    config,
    JSON.stringify({
      extends: join(ROOT, "tsconfig.build.json"),
      compilerOptions: {
        rootDir: join(ROOT, "src"),
        outDir: join(out, "dist"),
        declaration: false,
        declarationMap: false,
        sourceMap: false,
        isolatedDeclarations: false,
        typeRoots: [join(ROOT, "node_modules/@types")],
      },
      include: [],
      files: entries.map((e) => join(ROOT, e)),
    }),
  );
  execFileSync(join(ROOT, "node_modules/.bin/tsc"), ["-p", config], { cwd: ROOT, stdio: "pipe" });
  writeFileSync(join(out, "dist/package.json"), '{ "type": "module" }');
  return out;
}

/**
 * True when TypeScript source `code` imports a `node:` module or names a Node global (Buffer,
 * process, global, setImmediate, require) outside comments and string literals.
 */
export function namesNodeGlobal(code: string): boolean {
  const bare = code.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  // Module specifiers are strings: looked for before the strings are blanked.
  if (/\b(from|import)\s*\(?\s*["']node:/.test(bare)) return true;
  const noStrings = bare.replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g, '""');
  return /\b(Buffer|process|global|setImmediate|require)\b/.test(noStrings);
}

/** The .ts files of `dirs` (under the root) that name a Node global, but those `allowed`. */
export function filesNamingNodeGlobals(
  dirs: readonly string[],
  allowed: ReadonlySet<string> = new Set(),
): string[] {
  const offenders: string[] = [];
  for (const dir of dirs) {
    for (const name of readdirSync(join(ROOT, dir))) {
      const file = `${dir}/${name}`;
      if (!name.endsWith(".ts") || allowed.has(file)) continue;
      if (namesNodeGlobal(readFileSync(join(ROOT, file), "utf8"))) offenders.push(file);
    }
  }
  return offenders;
}
