// A latency histogram as the JSON of /api/batches and /api/latency: percentiles in milliseconds.

import type { LatencyHistogram } from '../core/index.ts';
import type { LatencySummary } from './types.ts';

const ms = (micros: number): number => Math.round(micros) / 1000;

/** Count, mean, p50/p90/p99/p99.9 (each within 3 %, never above the max) and the exact max, in ms. */
export function latencySummary(histogram: LatencyHistogram): LatencySummary {
  return {
    count: histogram.count,
    meanMs: histogram.count > 0 ? ms(histogram.sum / histogram.count) : 0,
    p50Ms: ms(histogram.percentile(0.5)),
    p90Ms: ms(histogram.percentile(0.9)),
    p99Ms: ms(histogram.percentile(0.99)),
    p999Ms: ms(histogram.percentile(0.999)),
    maxMs: ms(histogram.max),
  };
}
