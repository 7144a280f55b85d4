// dist/ is what the published package, the README snippets and the browser test run. `npm test`
// builds it before the suite; a file run on its own builds it here when a source is newer.
import { execFileSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (ends with a slash). */
export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const mtime = entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs;
    if (mtime > newest) newest = mtime;
  }
  return newest;
}

function builtAt(): number {
  try {
    return statSync(join(ROOT, "dist", "index.js")).mtimeMs;
  } catch {
    return -1;
  }
}

/**
 * Runs `npm run build` unless dist/ is newer than every file of src/ and the build config.
 * (Rebuilding while another test file reads dist/ could show it a half-written file, so a fresh
 * dist/ is left alone.)
 */
export function ensureDist(): void {
  const sources = Math.max(
    newestMtime(join(ROOT, "src")),
    statSync(join(ROOT, "tsconfig.json")).mtimeMs,
    statSync(join(ROOT, "tsconfig.build.json")).mtimeMs,
  );
  if (builtAt() > sources) return;
  try {
    execFileSync("npm", ["run", "--silent", "build"], {
      cwd: ROOT,
      stdio: "pipe",
      encoding: "utf8",
    });
  } catch (err) {
    const { stdout = "", stderr = "" } = err as { stdout?: string; stderr?: string };
    throw new Error(`npm run build failed:\n${stdout}${stderr}`, { cause: err });
  }
}
