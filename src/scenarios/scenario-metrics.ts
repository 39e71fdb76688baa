// The `metrics` scenario: one latency sample per host every 10 s of event time, each host around
// its own level with bounded noise, and anomalies (spikes and dips) injected at known points.

import { SCENARIO_EPOCH, scenarioRandom } from './scenario-random.ts';
import type { Scenario, ScenarioOptions } from './types.ts';

export const METRIC_HOSTS = 20;
export const METRIC_INTERVAL_MS = 10_000;
export const METRIC_NAME = 'latency_ms';
// No anomaly in a host's first samples: a detector needs them to learn the host's level.
const QUIET_TICKS = 30;
// Each anomaly gets a slot of ticks of its own: up to 3 samples, and normal ones after them.
const SLOT_TICKS = 6;
const NOISE_SHARE = 0.1;

/** One sample, as written (JSON, keyed by host). */
export type MetricPoint = {
  readonly ts: number;
  readonly host: string;
  readonly metric: string;
  readonly value: number;
};

/** An injected anomaly: `points` samples of `host` from `ts` on, one per interval. */
export type MetricAnomaly = {
  readonly host: string;
  readonly ts: number;
  readonly points: number;
  readonly kind: 'spike' | 'dip';
};

const hostName = (n: number): string => `h${String(n).padStart(2, '0')}`;
const ticks = (count: number): number => Math.floor(count / METRIC_HOSTS);

/** The injected anomalies of these options, in time order. */
export function metricAnomalies(options: ScenarioOptions): MetricAnomaly[] {
  if (options.inject === 0) return [];
  const random = scenarioRandom(options.seed, 2);
  const slot = Math.floor((ticks(options.count) - QUIET_TICKS) / options.inject);
  return Array.from({ length: options.inject }, (_, k) => {
    const tick = QUIET_TICKS + k * slot + random.int(slot - SLOT_TICKS + 1);
    return {
      host: hostName(random.int(METRIC_HOSTS)),
      ts: SCENARIO_EPOCH + tick * METRIC_INTERVAL_MS,
      points: 1 + random.int(3),
      kind: random.chance(0.5) ? 'spike' : 'dip',
    };
  });
}

/** The samples, tick by tick, host by host within a tick. */
export function* metricPoints(options: ScenarioOptions): Generator<MetricPoint> {
  const levels = scenarioRandom(options.seed, 0);
  const level = Array.from({ length: METRIC_HOSTS }, () => 40 + levels.int(200));
  const noise = scenarioRandom(options.seed, 1);
  const anomalous = new Map<string, MetricAnomaly>();
  for (const anomaly of metricAnomalies(options)) {
    for (let i = 0; i < anomaly.points; i++)
      anomalous.set(`${anomaly.host}@${anomaly.ts + i * METRIC_INTERVAL_MS}`, anomaly);
  }
  for (let n = 0; n < options.count; n++) {
    const host = hostName(n % METRIC_HOSTS);
    const ts = SCENARIO_EPOCH + Math.floor(n / METRIC_HOSTS) * METRIC_INTERVAL_MS;
    const mean = level[n % METRIC_HOSTS] ?? 100;
    const spread = mean * NOISE_SHARE;
    // Three uniform draws: bell-shaped noise that never leaves [-spread, spread].
    const bell = (noise.next() + noise.next() + noise.next() - 1.5) / 1.5;
    const anomaly = anomalous.get(`${host}@${ts}`);
    const off = noise.next();
    const value =
      anomaly === undefined
        ? mean + spread * bell
        : anomaly.kind === 'spike'
          ? mean + spread * (10 + 4 * off)
          : mean - spread * (6 + 2 * off);
    yield { ts, host, metric: METRIC_NAME, value: Math.round(value * 100) / 100 };
  }
}

export const metricsScenario: Scenario = {
  name: 'metrics',
  summary: `${METRIC_NAME} per host, ${METRIC_HOSTS} hosts every ${METRIC_INTERVAL_MS / 1000} s of event time (JSON); --inject: spikes and dips of 1-3 samples (default 5)`,
  defaultCount: 7_200,
  defaultInject: 5,
  problem: (options) => {
    const needed = (QUIET_TICKS + options.inject * SLOT_TICKS) * METRIC_HOSTS;
    return options.count < needed
      ? `--inject ${options.inject} anomalies need --count ${needed} or more for scenario metrics (${QUIET_TICKS} quiet samples per host first, then ${SLOT_TICKS} per anomaly); got ${options.count}`
      : undefined;
  },
  records: function* (options) {
    for (const point of metricPoints(options)) yield { key: point.host, value: JSON.stringify(point) };
  },
};
