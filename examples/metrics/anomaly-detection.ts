// Anomaly detection on metric samples per host: each host's robust baseline (an exponentially
// weighted mean and mean absolute deviation) in keyed state, and a sample far outside it is an
// anomaly, written to a topic exactly once however the job is stopped or killed.
// Run it (a broker: `npm run kafka -- start`; SLUICE_BROKERS=<its address>): see examples/metrics/README.md.
import { defineJob, type State, StateSpec } from 'sluice';

/** A sample as `sluice produce --scenario metrics` writes it, keyed by host. */
export type MetricPoint = {
  readonly ts: number;
  readonly host: string;
  readonly metric: string;
  readonly value: number;
};
/** What the job keeps per host: plain data, so it checkpoints as msgpack. */
export type Baseline = { readonly samples: number; readonly mean: number; readonly deviation: number };
export type Anomaly = {
  readonly host: string;
  readonly metric: string;
  readonly ts: number;
  readonly value: number;
  readonly baseline: number;
  readonly score: number;
};

/** Weight of the newest sample in the mean and the deviation. */
export const ALPHA = 0.1;
/** Samples a host's baseline learns from before it judges any. */
export const WARMUP = 20;
/** An anomaly is further from the mean than this many deviations… */
export const THRESHOLD = 6;
/** …where the deviation counts as at least this share of the mean, so a very steady host is not paged for noise. */
export const FLOOR_SHARE = 0.05;
/** A host silent for this long of batch time is forgotten; it learns again when it comes back. */
export const HOST_TIMEOUT_MS = 3_600_000;

/**
 * One sample against a host's baseline: the baseline after it and, when the sample is an anomaly,
 * its score (distance in deviations). An anomaly does not move the baseline, so a run of them is
 * found whole and the baseline does not learn the fault as normal.
 */
export function observe(
  baseline: Baseline | undefined,
  value: number,
): { readonly baseline: Baseline; readonly score?: number } {
  if (baseline === undefined) return { baseline: { samples: 1, mean: value, deviation: 0 } };
  const { samples, mean, deviation } = baseline;
  const distance = Math.abs(value - mean);
  const scale = Math.max(deviation, FLOOR_SHARE * Math.abs(mean));
  if (samples >= WARMUP && distance > THRESHOLD * scale) return { baseline, score: distance / scale };
  return {
    baseline: {
      samples: samples + 1,
      mean: mean + ALPHA * (value - mean),
      deviation: deviation + ALPHA * (distance - deviation),
    },
  };
}

/** mapWithState's function: per sample, in order per host; emits the anomalies only. */
export function detect(
  host: string,
  point: MetricPoint | undefined,
  state: State<Baseline>,
): Anomaly | undefined {
  if (point === undefined || state.isTimingOut()) return undefined;
  const before = state.getOption();
  const { baseline, score } = observe(before, point.value);
  state.update(baseline);
  if (score === undefined || before === undefined) return undefined;
  return {
    host,
    metric: point.metric,
    ts: point.ts,
    value: point.value,
    baseline: Math.round(before.mean * 100) / 100,
    score: Math.round(score * 10) / 10,
  };
}

export default defineJob((ctx) => {
  ctx
    .stream<MetricPoint>(ctx.env.METRICS_TOPIC ?? 'host-metrics')
    // The record key is the host: each host's baseline lives with its input partition.
    .map((record): [string, MetricPoint] => [record.value.host, record.value])
    .mapWithState(StateSpec.function(detect).timeout(HOST_TIMEOUT_MS))
    .toKafka(ctx.env.METRICS_ALERTS_TOPIC ?? 'metric-anomalies', {
      key: (anomaly) => anomaly.host,
      create: { partitions: 1 },
    });
});
