import fc from "fast-check";

// Reproducible by default in CI; override with FC_SEED / FC_NUM_RUNS to explore further.
const seed = process.env["FC_SEED"];
const numRuns = process.env["FC_NUM_RUNS"];
fc.configureGlobal({
  ...(seed === undefined ? {} : { seed: Number(seed) }),
  numRuns: numRuns === undefined ? 300 : Number(numRuns),
});
