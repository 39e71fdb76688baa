import { describe, expect, it } from 'vitest';
import job, { type Baseline, observe } from '../../examples/metrics/anomaly-detection.ts';
import { metricPoints } from '../../src/scenarios/index.ts';
import { statePartitionOf } from '../../src/task/index.ts';
import { TestDriver } from '../../src/testing/index.ts';
import { detectReplay, flagged, injectedPoints } from '../support/metrics-oracle.ts';

describe('the anomaly detector on the metrics scenario', () => {
  it.each([1, 2, 3, 7, 42])(
    'seed %i: every injected sample flagged, nothing else; the clean data flags nothing',
    (seed) => {
      const options = { seed, count: 7_200, inject: 5 };
      const injected = injectedPoints(options);
      expect(injected.length).toBeGreaterThanOrEqual(5);
      expect(flagged(options)).toEqual(injected);
      expect(flagged({ ...options, inject: 0 })).toEqual([]);
      const many = { seed, count: 20_000, inject: 50 };
      expect(flagged(many)).toEqual(injectedPoints(many));
      expect(detectReplay(options).map((anomaly) => `${anomaly.host}@${anomaly.ts}`)).toEqual(injected);
    },
  );

  it('learns for WARMUP samples, then judges against the mean it had', () => {
    let baseline: Baseline | undefined;
    for (let i = 0; i < 20; i++) baseline = observe(baseline, i % 2 === 0 ? 100 : 110).baseline;
    expect(observe(baseline, 1_000).score).toBeGreaterThan(6);
    // An anomaly leaves the baseline as it was.
    expect(observe(baseline, 1_000).baseline).toBe(baseline);
    expect(observe(baseline, 112).score).toBeUndefined();
  });

  it('the job on the TestDriver: the replay of detect, in batches of 1,000 over 4 partitions', async () => {
    const scenario = { seed: 42, count: 7_200, inject: 5 };
    const driver = new TestDriver(job, { topic: 'host-metrics' });
    const points = [...metricPoints(scenario)];
    const emitted: unknown[] = [];
    for (let from = 0; from < points.length; from += 1_000) {
      const batch = await driver.runBatch(
        points
          .slice(from, from + 1_000)
          .map((point) => ({ partition: statePartitionOf(point.host, 4), key: point.host, value: point })),
      );
      for (const output of batch.outputs) emitted.push(...output.values);
    }
    expect(emitted).toEqual(detectReplay(scenario));
  });
});
