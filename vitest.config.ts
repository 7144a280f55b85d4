import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/support/fc-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Interop suites start real daemons on loopback; run files in parallel but keep each bounded.
    fileParallelism: true,
    coverage: {
      provider: "v8",
      include: ["src/**/*.ts"],
      reporter: ["text-summary", "json-summary"],
      thresholds: { lines: 95, branches: 90, functions: 95, statements: 95 },
    },
  },
});
