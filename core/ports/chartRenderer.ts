/**
 * A Vega-Lite specification as plain JSON. Core builds specs from typed inputs; how they are
 * drawn (vega in Node, a browser, a test double) is an adapter's business.
 */
export type VegaLiteSpec = Readonly<Record<string, unknown>>;

/** Draws a chart as a self-contained SVG document: no script, no fonts or images to fetch. */
export interface ChartRenderer {
  toSvg(spec: VegaLiteSpec): Promise<string>;
}
