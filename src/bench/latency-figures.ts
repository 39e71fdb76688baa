// A latency histogram as the benchmark reports it: percentiles and a CDF in milliseconds.

import { bucketRange, type LatencyHistogram, microsToMs as ms } from '../core/index.ts';
import type { LatencyFigures } from './results.ts';

/** The most points a CDF keeps: buckets are merged beyond, so that results.json stays small. */
const CDF_POINTS = 200;

/** Percentiles (within a bucket, 3 %) and the CDF of `histogram` (µs), in ms. */
export function latencyFigures(histogram: LatencyHistogram): LatencyFigures {
  const { count, p50Ms, p90Ms, p99Ms, p999Ms, maxMs } = histogram.summary();
  return { count, p50: p50Ms, p90: p90Ms, p99: p99Ms, p999: p999Ms, max: maxMs, cdf: cdfOf(histogram) };
}

function cdfOf(histogram: LatencyHistogram): [number, number][] {
  const sparse = histogram.toSparse();
  const pairs: [number, number][] = [];
  for (let at = 0; at + 1 < sparse.length - 2; at += 2) {
    const { low, width } = bucketRange(sparse[at] as number);
    pairs.push([Math.min(histogram.max, low + width - 1), sparse[at + 1] as number]);
  }
  const points: [number, number][] = [];
  const step = Math.max(1, Math.ceil(pairs.length / CDF_POINTS));
  let seen = 0;
  for (const [index, [top, count]] of pairs.entries()) {
    seen += count;
    if ((index + 1) % step === 0 || index === pairs.length - 1)
      points.push([ms(top), seen / histogram.count]);
  }
  return points;
}
