// The report's charts as SVG text, drawn headless by vega (vega-render.ts).

import { cdfSpec, frontierSpec, slotsSpec, throughputSpec } from './chart-specs.ts';
import type { BenchResults } from './results.ts';
import { renderSvg } from './vega-render.ts';

/** The chart files `writeReport` writes, with the titles the report shows them under. */
export const CHART_FILES = {
  frontier: { file: 'frontier.svg', title: 'Throughput against p99 latency' },
  cdf: { file: 'cdf.svg', title: 'Latency distribution at 50 % of capacity' },
  slots: { file: 'slots.svg', title: 'Catch-up throughput per worker slot count' },
  throughput: { file: 'throughput.svg', title: 'Catch-up throughput' },
} as const;

/**
 * The throughput–latency frontier: per configuration a line through its rate points, produced
 * events/s against p99 ms (log scale); the kafkajs reference dashed and grey.
 * Undefined when no rate point has a p99.
 *
 * @example const svg = await frontierChart(results); // '<svg …' or undefined
 */
export async function frontierChart(results: BenchResults): Promise<string | undefined> {
  const spec = frontierSpec(results);
  return spec === undefined ? undefined : renderSvg(spec);
}

/**
 * Latency CDFs, one line per configuration, each at its rate point nearest `percent` % of its
 * capacity (a configuration whose point is elsewhere is labelled with the point's percent).
 * Undefined when no configuration has a CDF.
 *
 * @example const svg = await cdfChart(results, 50);
 */
export async function cdfChart(results: BenchResults, percent: number): Promise<string | undefined> {
  const spec = cdfSpec(results, percent);
  return spec === undefined ? undefined : renderSvg(spec);
}

/**
 * Catch-up events/s (median bar, min–max rule) of the configurations with a `workers` axis, one
 * column per worker count; the kafkajs reference's median as a rule labelled `kafkajs`.
 * Undefined when no configuration has both a `workers` axis and catch-up figures.
 *
 * @example const svg = await slotsChart(results);
 */
export async function slotsChart(results: BenchResults): Promise<string | undefined> {
  const spec = slotsSpec(results);
  return spec === undefined ? undefined : renderSvg(spec);
}

/**
 * Catch-up events/s of every configuration (median bar, min–max rule), the reference last in grey.
 * Undefined when nothing has catch-up figures.
 *
 * @example const svg = await throughputChart(results);
 */
export async function throughputChart(results: BenchResults): Promise<string | undefined> {
  const spec = throughputSpec(results);
  return spec === undefined ? undefined : renderSvg(spec);
}
