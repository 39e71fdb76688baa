// The end-to-end latency histogram in Prometheus' text format: cumulative buckets read off Sluice's own histogram.

import type { LatencyHistogram } from '../core/index.ts';
import { LATENCY_BUCKETS_SECONDS, METRIC_PREFIX } from './options.ts';

const NAME = `${METRIC_PREFIX}end_to_end_latency_seconds`;
const HELP =
  "Each record's time from its Kafka timestamp to its batch's outputs written (under exactly-once, committed); buckets within 3 %.";

/**
 * The exposition of `histogram` (µs) as a Prometheus histogram in seconds. prom-client counts one
 * observation per call; this one is merged a batch at a time on the main thread, so its text is
 * written here. A bucket of ours that straddles a boundary counts in the next one.
 */
export function latencyExposition(histogram: LatencyHistogram): string {
  const lines = [`# HELP ${NAME} ${HELP}`, `# TYPE ${NAME} histogram`];
  for (const seconds of LATENCY_BUCKETS_SECONDS) {
    lines.push(`${NAME}_bucket{le="${seconds}"} ${histogram.countAtMost(seconds * 1e6)}`);
  }
  lines.push(`${NAME}_bucket{le="+Inf"} ${histogram.count}`);
  lines.push(`${NAME}_sum ${histogram.sum / 1e6}`);
  lines.push(`${NAME}_count ${histogram.count}`);
  return `${lines.join('\n')}\n`;
}
