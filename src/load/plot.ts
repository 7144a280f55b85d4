import { decodeHistogram, percentileCurve } from "./histogram.js";
import type { LoadResult } from "./result.js";

// The latency percentile distribution of one or more runs, as HdrHistogram's plotter draws it:
// x is the percentile on a scale that stretches the tail (1 / (1 - p)), y the latency. Drawn by
// Vega-Lite and rendered to SVG by Vega in Node: a declarative spec instead of hand-made SVG, with
// axes, legends and text layout done by a library thousands of projects use. Both are optional
// peer dependencies, loaded only when a plot is asked for.

/** Options of {@link plotLatency}. */
export interface PlotOptions {
  /** The chart's title. Defaults to "Latency by percentile". */
  readonly title?: string;
  /** Plot the uncorrected histograms too (dashed), for runs that have one. Defaults to false. */
  readonly uncorrected?: boolean;
  /** Width in pixels. Defaults to 640. */
  readonly width?: number;
  /** Height in pixels. Defaults to 360. */
  readonly height?: number;
}

const TICKS = [0, 90, 99, 99.9, 99.99, 99.999];

/** The Vega-Lite spec of the plot (to render it elsewhere, or to check it). */
export function latencySpec(results: readonly LoadResult[], options: PlotOptions = {}): object {
  const values: { run: string; x: number; percentile: number; ms: number; corrected: string }[] =
    [];
  for (const r of results) {
    const curves: [string, string | null][] = [["corrected", r.histogram]];
    if (options.uncorrected === true) curves.push(["uncorrected", r.uncorrectedHistogram]);
    for (const [kind, encoded] of curves) {
      if (encoded === null) continue;
      const label = kind === "uncorrected" ? `${r.label} (uncorrected)` : r.label;
      for (const point of percentileCurve(decodeHistogram(encoded))) {
        values.push({
          run: label,
          x: 1 / (1 - Math.min(point.percentile, 99.9999) / 100),
          percentile: point.percentile,
          ms: point.ms,
          corrected: kind,
        });
      }
    }
  }
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: options.title ?? "Latency by percentile",
    width: options.width ?? 640,
    height: options.height ?? 360,
    background: "white",
    data: { values },
    mark: { type: "line", interpolate: "step-after", point: false },
    encoding: {
      x: {
        field: "x",
        type: "quantitative",
        title: "percentile",
        scale: { type: "log", domain: [1, 1e6] },
        axis: {
          values: TICKS.map((p) => 1 / (1 - p / 100)),
          labelExpr:
            "datum.value <= 1 ? '0%' : format(100 - 100 / datum.value, datum.value < 1000 ? '.1f' : '.3~f') + '%'",
        },
      },
      y: { field: "ms", type: "quantitative", title: "latency (ms)" },
      color: { field: "run", type: "nominal", title: null },
      strokeDash: {
        field: "corrected",
        type: "nominal",
        legend: null,
        scale: {
          domain: ["corrected", "uncorrected"],
          range: [
            [1, 0],
            [4, 3],
          ],
        },
      },
    },
  };
}

/**
 * Draws the latency percentile distribution of `results` as an SVG document. Needs the optional
 * peer dependencies `vega` and `vega-lite` (`npm install vega@6.4.0 vega-lite@6.4.3`); rejects
 * with an error naming them when they are missing.
 */
export async function plotLatency(
  results: readonly LoadResult[],
  options: PlotOptions = {},
): Promise<string> {
  let vega: typeof import("vega");
  let vegaLite: typeof import("vega-lite");
  try {
    vega = await import("vega");
    vegaLite = await import("vega-lite");
  } catch (err) {
    throw new Error(
      "plotting needs the optional packages vega and vega-lite: npm install vega@6.4.0 vega-lite@6.4.3",
      { cause: err },
    );
  }
  const spec = vegaLite.compile(latencySpec(results, options) as never).spec;
  const view = new vega.View(vega.parse(spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
