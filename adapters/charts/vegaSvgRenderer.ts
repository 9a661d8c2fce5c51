import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { ChartRenderer, VegaLiteSpec } from '../../core/ports/chartRenderer.ts';

/**
 * Draws Vega-Lite specs to SVG in Node with vega's headless view (renderer 'none', toSVG):
 * the page that embeds the result needs no script and fetches nothing. Specs carry their data
 * inline; a spec that names a URL is refused, so nothing is loaded while rendering either.
 */
export class VegaSvgRenderer implements ChartRenderer {
  async toSvg(spec: VegaLiteSpec): Promise<string> {
    const data = (spec as { data?: { url?: unknown } }).data;
    if (data?.url !== undefined) {
      throw new Error('chart specs must carry their data inline (data.values), not a url');
    }
    const compiled = compile(spec as unknown as TopLevelSpec).spec;
    const view = new View(parse(compiled), { renderer: 'none' });
    try {
      return await view.toSVG();
    } finally {
      view.finalize();
    }
  }
}
