import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    setupFiles: ["test/support/fc-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    coverage: {
      provider: "v8",
      include: ["src/**/*.ts"],
      reporter: ["text-summary", "json-summary"],
      thresholds: { lines: 95, branches: 90, functions: 95, statements: 95 },
    },
    projects: [
      {
        extends: true,
        test: {
          name: "suite",
          include: ["test/**/*.test.ts"],
          exclude: [...configDefaults.exclude, "test/load/**"],
          // Interop suites start real daemons on loopback; files run in parallel, each bounded.
          fileParallelism: true,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          // The load generator's tests compare rates and latencies with wrk, autocannon and a
          // stalled server: they run after the rest, one file at a time, so no other test's
          // daemons share the cores while they measure.
          name: "load",
          include: ["test/load/**/*.test.ts"],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
