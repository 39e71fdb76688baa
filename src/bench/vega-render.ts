// Vega-Lite spec → SVG text, headless: vega's 'none' renderer needs neither a DOM nor canvas.

import type { TopLevelSpec } from 'vega-lite';

type Render = (spec: TopLevelSpec) => Promise<string>;

let loading: Promise<Render> | undefined;

async function load(): Promise<Render> {
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  return async (spec) => {
    const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
    try {
      return await view.toSVG();
    } finally {
      view.finalize();
    }
  };
}

/**
 * The chart `spec` describes, as an SVG document. Deterministic: equal specs give equal text.
 *
 * vega and vega-lite are loaded on the first call, not on import: they take a few hundred
 * milliseconds to load, which commands that draw nothing should not pay.
 *
 * @example const svg = await renderSvg({ data: { values: [{ x: 1 }] }, mark: 'point', encoding: { x: { field: 'x', type: 'quantitative' } } });
 */
export function renderSvg(spec: TopLevelSpec): Promise<string> {
  loading ??= load().catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading.then((render) => render(spec));
}
