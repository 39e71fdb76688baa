import { describe, expect, it } from 'vitest';
import { PidRateEstimator } from '../../src/backpressure/index.ts';

const batch = (time: number, records: number, processingMs: number, schedulingDelayMs = 0) => ({
  time,
  records,
  processingMs,
  schedulingDelayMs,
});

describe('PidRateEstimator', () => {
  it('takes the first batch as the measured rate and says nothing yet', () => {
    const estimator = new PidRateEstimator({ batchIntervalMs: 1000, minRate: 1 });
    expect(estimator.compute(batch(1000, 1000, 1000))).toBeUndefined();
    // 1000 records/s was set; a batch processed at 500/s halves it (proportional gain 1).
    expect(estimator.compute(batch(2000, 1000, 2000))).toBe(500);
  });

  it('subtracts the scheduling delay as a backlog rate (integral gain 0.2)', () => {
    const estimator = new PidRateEstimator({ batchIntervalMs: 1000, minRate: 1 });
    estimator.compute(batch(1000, 1000, 1000));
    estimator.compute(batch(2000, 1000, 2000));
    // Processed at 1000/s: error 500 − 1000 = −500; backlog 1000 ms × 1000/s / 1000 ms = 1000.
    expect(estimator.compute(batch(3000, 500, 500, 1000))).toBe(500 + 500 - 0.2 * 1000);
  });

  it('uses the derivative gain on the change of the error per second', () => {
    const estimator = new PidRateEstimator({
      batchIntervalMs: 1000,
      minRate: 1,
      gains: { proportional: 0, integral: 0, derivative: 0.5 },
    });
    estimator.compute(batch(1000, 1000, 1000));
    // Error 1000 − 500 = 500 over 2 s since the last update: 250 per second.
    expect(estimator.compute(batch(3000, 1000, 2000))).toBe(1000 - 0.5 * 250);
  });

  it('never goes below the minimum rate', () => {
    const estimator = new PidRateEstimator({ batchIntervalMs: 1000, minRate: 100 });
    estimator.compute(batch(1000, 1000, 1000));
    expect(estimator.compute(batch(2000, 10, 10_000, 60_000))).toBe(100);
  });

  it('ignores batches without records, without measurable time, or not after the last one', () => {
    const estimator = new PidRateEstimator({ batchIntervalMs: 1000, minRate: 1 });
    estimator.compute(batch(1000, 1000, 1000));
    expect(estimator.compute(batch(2000, 0, 1000))).toBeUndefined();
    expect(estimator.compute(batch(3000, 1000, 0))).toBeUndefined();
    expect(estimator.compute(batch(1000, 1000, 2000))).toBeUndefined();
    expect(estimator.compute(batch(4000, 1000, 4000))).toBe(250);
  });

  it('follows a job that slows down, then recovers', () => {
    const estimator = new PidRateEstimator({ batchIntervalMs: 1000, minRate: 10 });
    let rate = 10_000;
    let time = 0;
    const run = (costMs: number): number => {
      // Each batch takes rate × 1 s of records, costing `costMs` per 1000 records.
      time += 1000;
      const records = Math.round(rate);
      const next = estimator.compute(batch(time, records, Math.max(1, (records * costMs) / 1000)));
      if (next !== undefined) rate = next;
      return rate;
    };
    for (let i = 0; i < 3; i++) run(50);
    expect(rate).toBeCloseTo(20_000, -1);
    for (let i = 0; i < 3; i++) run(2000);
    expect(rate).toBeCloseTo(500, -1);
    for (let i = 0; i < 3; i++) run(50);
    expect(rate).toBeCloseTo(20_000, -1);
  });
});
