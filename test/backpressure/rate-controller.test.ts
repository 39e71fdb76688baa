import { describe, expect, it } from 'vitest';
import { RateController, UNLIMITED } from '../../src/backpressure/index.ts';

const options = {
  backpressure: true,
  initialRate: undefined,
  minRate: 100,
  maxRatePerPartition: undefined,
  batchIntervalMs: 500,
};

describe('RateController', () => {
  it('does not limit without backpressure or a per-partition cap', () => {
    const controller = new RateController({ ...options, backpressure: false });
    expect(controller.limited).toBe(false);
    controller.observe({ time: 500, records: 10, processingMs: 1000, schedulingDelayMs: 0 });
    expect(controller.budget()).toEqual(UNLIMITED);
    expect(controller.rate).toBeUndefined();
  });

  it('caps each partition at its rate × the interval, also without backpressure', () => {
    const controller = new RateController({ ...options, backpressure: false, maxRatePerPartition: 2000 });
    expect(controller.budget()).toEqual({ total: undefined, perPartition: 1000 });
    expect(controller.budget(100)).toEqual({ total: undefined, perPartition: 200 });
  });

  it('starts at the initial rate, then follows the estimate', () => {
    const controller = new RateController({ ...options, initialRate: 4000 });
    expect(controller.budget()).toEqual({ total: 2000, perPartition: undefined });
    // The first measured batch sets the estimator's rate, the budget stays.
    controller.observe({ time: 500, records: 2000, processingMs: 1000, schedulingDelayMs: 0 });
    expect(controller.rate).toBe(4000);
    controller.observe({ time: 1000, records: 2000, processingMs: 2000, schedulingDelayMs: 0 });
    expect(controller.rate).toBe(1000);
    expect(controller.budget()).toEqual({ total: 500, perPartition: undefined });
  });

  it('has no budget of records until the first estimate without an initial rate', () => {
    const controller = new RateController(options);
    expect(controller.limited).toBe(true);
    expect(controller.budget()).toEqual({ total: undefined, perPartition: undefined });
  });
});
