// "uwsgi-codec/load": the load generator behind `uwsgi-codec load`, as an API. Node only (net,
// worker_threads); its one dependency, hdr-histogram-js, is not needed by any other entry point.

export { type CeilingOptions, measureCeiling } from "./ceiling.js";
export { ERROR_KINDS, type ErrorKind } from "./engine.js";
export { type LatencySummary, PERCENTILES } from "./histogram.js";
export { DEFAULT_LOAD_OPTIONS, type LoadOptions, type LoadProgress } from "./options.js";
export { latencySpec, type PlotOptions, plotLatency } from "./plot.js";
export { LOAD_RESULT_SCHEMA, type LoadResult, mergeLoadResults } from "./result.js";
export { runLoad } from "./run-load.js";
export { parseTarget, SCHEMES, type Scheme, type Target } from "./target.js";
export {
  checkThresholds,
  parseThreshold,
  type Threshold,
  type ThresholdOutcome,
} from "./thresholds.js";
export { startTrivialServer, type TrivialServer } from "./trivial-server.js";
