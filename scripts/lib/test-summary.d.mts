// Types of test-summary.mjs, for the test that imports it.
export declare function summarize(
  json: unknown,
  status: number,
): { passed: number; failed: number; skipped: number; note: string | undefined };
