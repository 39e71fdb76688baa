// The four charts as Vega-Lite specs: pure data → spec, rendered by vega-render.ts.

import type { TopLevelSpec } from 'vega-lite';
import type { BenchResults, Spread } from './results.ts';
import { nearestRate, type Series, seriesOf, uniqueNames } from './series.ts';

const WIDTH = 560;
const HEIGHT = 320;
// Tableau 10 without its grey, which marks the reference.
const BAR_COLOR = '#4c78a8';
const PALETTE = [
  BAR_COLOR,
  '#f58518',
  '#e45756',
  '#72b7b2',
  '#54a24b',
  '#eeca3b',
  '#b279a2',
  '#ff9da6',
  '#9d755d',
];
const REFERENCE_COLOR = '#555555';
const SLUICE = 'Sluice';
const KAFKAJS = 'kafkajs';
// Labels are never cut short (vega's default limits end long ones in `…`).
const CONFIG = {
  legend: { labelLimit: 0 },
  axis: { labelLimit: 0 },
  header: { labelLimit: 0 },
} as const;
// Thousands with `,` (vega's own default prints 100000 as 1e+5).
const COUNT = ',d';
// The reference's lines are dashed; its name says kafkajs, so the dash needs no legend of its own.
const ENGINE_DASH = {
  scale: {
    domain: [SLUICE, KAFKAJS],
    range: [
      [1, 0],
      [6, 4],
    ],
  },
  legend: null,
};

type Row = Record<string, string | number>;

function positive(value: number): boolean {
  return Number.isFinite(value) && value > 0;
}

function engine(series: Series): string {
  return series.reference ? KAFKAJS : SLUICE;
}

/** One colour per series name, grey for the reference. */
function colorScale(shown: readonly { name: string; reference: boolean }[]) {
  return {
    domain: shown.map((s) => s.name),
    range: shown.map((s, i) =>
      s.reference ? REFERENCE_COLOR : (PALETTE[i % PALETTE.length] ?? REFERENCE_COLOR),
    ),
  };
}

/** p99 against the produced rate, one line per series through its rate points. */
export function frontierSpec(results: BenchResults): TopLevelSpec | undefined {
  const rows: Row[] = [];
  const shown: Series[] = [];
  for (const series of seriesOf(results)) {
    const points = (series.result.rates ?? []).filter(
      (p) => positive(p.producedRate) && positive(p.latency.p99),
    );
    if (points.length > 0) shown.push(series);
    for (const p of points) {
      rows.push({ series: series.name, engine: engine(series), rate: p.producedRate, p99: p.latency.p99 });
    }
  }
  if (rows.length === 0) return undefined;
  const dashed = shown.some((s) => s.reference);
  return {
    title: 'Throughput against p99 latency',
    width: WIDTH,
    height: HEIGHT,
    config: CONFIG,
    data: { values: rows },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'rate', type: 'quantitative', title: 'Produced rate (events/s)', axis: { format: COUNT } },
      y: { field: 'p99', type: 'quantitative', title: 'p99 latency (ms, log scale)', scale: { type: 'log' } },
      color: { field: 'series', type: 'nominal', title: 'Configuration', scale: colorScale(shown) },
      order: { field: 'rate', type: 'quantitative' },
      ...(dashed ? { strokeDash: { field: 'engine', type: 'nominal', ...ENGINE_DASH } } : {}),
    },
  };
}

/** The latency CDF of each series at its rate point nearest `percent` of its capacity. */
export function cdfSpec(results: BenchResults, percent: number): TopLevelSpec | undefined {
  const picked: { series: Series; label: string; cdf: readonly (readonly [number, number])[] }[] = [];
  for (const series of seriesOf(results)) {
    const point = nearestRate(series.result.rates ?? [], percent);
    if (point === undefined) continue;
    const cdf = point.latency.cdf.filter(([ms, fraction]) => positive(ms) && Number.isFinite(fraction));
    if (cdf.length === 0) continue;
    const label = point.percent === percent ? series.name : `${series.name} (at ${point.percent} %)`;
    picked.push({ series, label, cdf });
  }
  if (picked.length === 0) return undefined;
  const names = uniqueNames(picked.map((p) => p.label));
  const rows: Row[] = [];
  for (const [i, p] of picked.entries()) {
    const name = names[i] ?? p.label;
    for (const [ms, fraction] of p.cdf) rows.push({ series: name, engine: engine(p.series), ms, fraction });
  }
  const shown = picked.map((p, i) => ({ name: names[i] ?? p.label, reference: p.series.reference }));
  return {
    title: `Latency distribution at the rate nearest ${percent} % of capacity`,
    width: WIDTH,
    height: HEIGHT,
    config: CONFIG,
    data: { values: rows },
    // A CDF holds its value until the next point: steps, not slopes, between the buckets.
    mark: { type: 'line', interpolate: 'step-after' },
    encoding: {
      x: { field: 'ms', type: 'quantitative', title: 'Latency (ms, log scale)', scale: { type: 'log' } },
      y: {
        field: 'fraction',
        type: 'quantitative',
        title: 'Fraction of events at or below (0–1)',
        scale: { domain: [0, 1] },
      },
      color: { field: 'series', type: 'nominal', title: 'Configuration', scale: colorScale(shown) },
      order: { field: 'ms', type: 'quantitative' },
      ...(shown.some((s) => s.reference)
        ? { strokeDash: { field: 'engine', type: 'nominal', ...ENGINE_DASH } }
        : {}),
    },
  };
}

/** Worker counts in order: numbers ascending, then the other values. */
function workerOrder(values: readonly (string | number)[]): string[] {
  const distinct = [...new Set(values)];
  const numbers = distinct.filter((v) => typeof v === 'number').sort((a, b) => a - b);
  const others = distinct.filter((v) => typeof v === 'string').sort();
  return [...new Set([...numbers.map(String), ...others])];
}

/**
 * Catch-up events/s of each configuration with a `workers` axis: bars side by side, ordered and
 * coloured by worker count; the reference's median as a rule across them.
 */
export function slotsSpec(results: BenchResults): TopLevelSpec | undefined {
  const found: { series: Series; workers: string | number; spread: Spread }[] = [];
  for (const series of seriesOf(results)) {
    const { axes } = series.result.config;
    const workers = Object.hasOwn(axes, 'workers') ? axes.workers : undefined;
    const spread = series.result.catchUp?.eventsPerSecond;
    if (series.reference || workers === undefined || spread === undefined) continue;
    found.push({ series, workers, spread });
  }
  if (found.length === 0) return undefined;
  const order = workerOrder(found.map((f) => f.workers));
  const rows: Row[] = [];
  for (const group of order) {
    for (const f of found)
      if (String(f.workers) === group) rows.push({ series: f.series.name, workers: group, ...f.spread });
  }
  const reference = results.reference?.catchUp?.eventsPerSecond.median;
  const y = {
    type: 'quantitative',
    title: 'Catch-up throughput (events/s)',
    axis: { format: COUNT },
  } as const;
  return {
    title: 'Catch-up throughput per worker slot count',
    width: { step: 40 },
    height: HEIGHT,
    config: CONFIG,
    layer: [
      {
        data: { values: rows },
        // Rows are grouped by worker count, in the configurations' order within a group: `sort: null` keeps it.
        encoding: {
          x: {
            field: 'series',
            type: 'nominal',
            title: 'Configuration',
            sort: null,
            axis: { labelAngle: -40 },
          },
        },
        layer: [
          {
            mark: { type: 'bar' },
            encoding: {
              y: { field: 'median', ...y },
              color: {
                field: 'workers',
                type: 'ordinal',
                title: 'Worker slots',
                scale: {
                  domain: order,
                  range: order.map((_, i) => PALETTE[i % PALETTE.length] ?? BAR_COLOR),
                },
              },
            },
          },
          { mark: { type: 'rule' }, encoding: { y: { field: 'min', ...y }, y2: { field: 'max' } } },
        ],
      },
      ...(reference !== undefined && Number.isFinite(reference)
        ? [
            {
              data: { values: [{ reference }] },
              encoding: { y: { field: 'reference', ...y } },
              layer: [
                { mark: { type: 'rule' as const, color: REFERENCE_COLOR, strokeDash: [6, 4] } },
                {
                  mark: {
                    type: 'text' as const,
                    text: KAFKAJS,
                    align: 'right' as const,
                    dy: -7,
                    color: REFERENCE_COLOR,
                  },
                  encoding: { x: { value: 'width' as const } },
                },
              ],
            },
          ]
        : []),
    ],
  };
}

/** Catch-up events/s of every configuration, the reference last in grey. */
export function throughputSpec(results: BenchResults): TopLevelSpec | undefined {
  const rows: Row[] = [];
  const shown: Series[] = [];
  for (const series of seriesOf(results)) {
    const spread = series.result.catchUp?.eventsPerSecond;
    if (spread === undefined || !Number.isFinite(spread.median)) continue;
    shown.push(series);
    rows.push({ series: series.name, engine: engine(series), ...spread });
  }
  if (rows.length === 0) return undefined;
  const x = { type: 'quantitative', title: 'Catch-up throughput (events/s, median with min–max)' } as const;
  const engines = shown.some((s) => s.reference) ? [SLUICE, KAFKAJS] : [SLUICE];
  return {
    title: 'Catch-up throughput',
    width: WIDTH,
    config: CONFIG,
    data: { values: rows },
    encoding: {
      y: { field: 'series', type: 'nominal', title: 'Configuration', sort: null },
    },
    layer: [
      {
        mark: { type: 'bar' },
        encoding: {
          x: { field: 'median', ...x, axis: { format: COUNT } },
          color: {
            field: 'engine',
            type: 'nominal',
            title: 'Engine',
            scale: { domain: engines, range: [BAR_COLOR, REFERENCE_COLOR] },
          },
        },
      },
      { mark: { type: 'rule' }, encoding: { x: { field: 'min', ...x }, x2: { field: 'max' } } },
    ],
  };
}
