// The last line of `npm test`, from vitest's JSON report and its exit status: what CI reads.

/**
 * Counts a run: `json` is vitest's JSON report (undefined when it wrote none), `status` vitest's
 * exit status. A file that fails outside its tests (it does not load, or a beforeAll throws and
 * its tests are skipped) has no failed test of its own: it counts once as a failure. A run vitest
 * failed with every test passed (coverage under its thresholds, an error outside any file)
 * counts one failure, and `note` says why.
 */
export function summarize(json, status) {
  if (json === undefined) {
    return { passed: 0, failed: 1, skipped: 0, note: "vitest wrote no report" };
  }
  const brokenFiles = (json.testResults ?? []).filter(
    (file) =>
      file.status === "failed" &&
      !(file.assertionResults ?? []).some((test) => test.status === "failed"),
  ).length;
  const passed = json.numPassedTests ?? 0;
  let failed = (json.numFailedTests ?? 0) + brokenFiles;
  const skipped = (json.numPendingTests ?? 0) + (json.numTodoTests ?? 0);
  let note;
  if (status !== 0 && failed === 0) {
    note = `vitest exited ${status} with no failed test: see its output above`;
    failed = 1;
  }
  return { passed, failed, skipped, note };
}
