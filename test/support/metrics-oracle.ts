import { type Anomaly, type Baseline, detect, observe } from '../../examples/metrics/anomaly-detection.ts';
import type { State } from '../../src/api/index.ts';
import {
  METRIC_INTERVAL_MS,
  metricAnomalies,
  metricPoints,
  type ScenarioOptions,
} from '../../src/scenarios/index.ts';

/** `host@ts` of every injected anomalous sample, in time order. */
export function injectedPoints(options: ScenarioOptions): string[] {
  return metricAnomalies(options).flatMap((anomaly) =>
    Array.from(
      { length: anomaly.points },
      (_, i) => `${anomaly.host}@${anomaly.ts + i * METRIC_INTERVAL_MS}`,
    ),
  );
}

/** `observe` over the samples in order, one baseline per host: `host@ts` of what it flags. */
export function flagged(options: ScenarioOptions): string[] {
  const baselines = new Map<string, Baseline>();
  const found: string[] = [];
  for (const point of metricPoints(options)) {
    const { baseline, score } = observe(baselines.get(point.host), point.value);
    baselines.set(point.host, baseline);
    if (score !== undefined) found.push(`${point.host}@${point.ts}`);
  }
  return found;
}

/** What the job's `detect` emits when called once per sample, in order per host, no timeout. */
export function detectReplay(options: ScenarioOptions): Anomaly[] {
  const baselines = new Map<string, Baseline>();
  const anomalies: Anomaly[] = [];
  for (const point of metricPoints(options)) {
    const held = baselines.get(point.host);
    const state: State<Baseline> = {
      exists: () => held !== undefined,
      get: () => {
        if (held === undefined) throw new Error('no state');
        return held;
      },
      getOption: () => held,
      update: (next) => baselines.set(point.host, next),
      remove: () => baselines.delete(point.host),
      isTimingOut: () => false,
    };
    const anomaly = detect(point.host, point, state);
    if (anomaly) anomalies.push(anomaly);
  }
  return anomalies;
}
