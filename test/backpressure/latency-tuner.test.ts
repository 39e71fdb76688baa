import { describe, expect, it } from 'vitest';
import { latencyTuner } from '../../src/app/latency-tuning.ts';
import { LatencyTuner } from '../../src/backpressure/index.ts';
import { buildGraph, defineJob, Plan } from '../../src/dsl/index.ts';

const microBatch = (): LatencyTuner =>
  new LatencyTuner({
    targetMs: 200,
    interval: { startMs: 200, minMs: 10, maxMs: 200 },
    records: { min: 100, max: 10_000 },
  });

describe('LatencyTuner', () => {
  it('cuts the interval by a quarter while p99 is above the target, down to its least', () => {
    const tuner = microBatch();
    const intervals: (number | undefined)[] = [];
    for (let i = 0; i < 12; i++) {
      const decision = tuner.observe({ p99Ms: 260, processingMs: 5, records: 500 });
      intervals.push(decision.intervalMs);
    }
    expect(intervals).toEqual([150, 112, 84, 63, 47, 35, 26, 19, 14, 10, 10, 10]);
    // Processing was short: the batches kept their size.
    expect(tuner.maxRecords).toBe(10_000);
    expect(tuner.observe({ p99Ms: 260, processingMs: 5, records: 500 })).toEqual({
      intervalMs: 10,
      maxRecords: 10_000,
      action: 'hold',
      reason:
        'p99 260 ms above the target 200 ms, at the smallest interval and batch it may use: the job cannot keep up with its input (see backpressure)',
    });
  });

  it('also cuts the batch when processing alone takes half the target', () => {
    const tuner = microBatch();
    expect(tuner.observe({ p99Ms: 300, processingMs: 150, records: 8_000 })).toEqual({
      intervalMs: 150,
      maxRecords: 6_000,
      action: 'shorten',
      reason: 'p99 300 ms above the target 200 ms',
    });
  });

  it('grows back while p99 is under 70 % of the target: the interval by 5 % of it, a capped batch by a quarter', () => {
    const tuner = microBatch();
    tuner.observe({ p99Ms: 400, processingMs: 150, records: 10_000 });
    expect([tuner.intervalMs, tuner.maxRecords]).toEqual([150, 7_500]);
    expect(tuner.observe({ p99Ms: 100, processingMs: 30, records: 7_500 })).toEqual({
      intervalMs: 160,
      maxRecords: 9_375,
      action: 'lengthen',
      reason: 'p99 100 ms below 70 % of the target 200 ms',
    });
    // A batch the cap did not hold back leaves the cap where it is.
    tuner.observe({ p99Ms: 100, processingMs: 30, records: 2_000 });
    expect([tuner.intervalMs, tuner.maxRecords]).toEqual([170, 9_375]);
    for (let i = 0; i < 10; i++) tuner.observe({ p99Ms: 50, processingMs: 5, records: 20_000 });
    expect([tuner.intervalMs, tuner.maxRecords]).toEqual([200, 10_000]);
    expect(tuner.observe({ p99Ms: 50, processingMs: 5, records: 20_000 }).action).toBe('hold');
  });

  it('lengthens the interval when a batch took all of it: records queue behind batches', () => {
    const tuner = microBatch();
    tuner.observe({ p99Ms: 300, processingMs: 20, records: 500 });
    tuner.observe({ p99Ms: 300, processingMs: 20, records: 500 });
    expect(tuner.intervalMs).toBe(112);
    expect(tuner.observe({ p99Ms: 900, processingMs: 130, records: 9_000 })).toEqual({
      intervalMs: 174,
      maxRecords: 10_000,
      action: 'lengthen',
      reason:
        'p99 900 ms above the target 200 ms, but the batch took 130 ms of its 112 ms interval: records queue behind batches, which a longer interval takes in fewer',
    });
    // Never past the target; at it, the batch shortens as usual.
    expect(tuner.observe({ p99Ms: 900, processingMs: 400, records: 9_000 }).intervalMs).toBe(200);
    expect(tuner.observe({ p99Ms: 900, processingMs: 400, records: 9_000 })).toMatchObject({
      intervalMs: 150,
      action: 'shorten',
    });
  });

  it('holds within the band, and for a batch without records', () => {
    const tuner = microBatch();
    expect(tuner.observe({ p99Ms: 180, processingMs: 50, records: 10 }).action).toBe('hold');
    expect(tuner.observe({ p99Ms: undefined, processingMs: 1, records: 0 })).toMatchObject({
      action: 'hold',
      intervalMs: 200,
    });
  });

  it('without an interval (continuous) tunes the batch alone, from the records the batch took', () => {
    const tuner = new LatencyTuner({ targetMs: 20, records: { min: 100, max: 100_000 } });
    expect(tuner.observe({ p99Ms: 45, processingMs: 30, records: 4_000 })).toEqual({
      intervalMs: undefined,
      maxRecords: 3_000,
      action: 'shorten',
      reason: 'p99 45 ms above the target 20 ms',
    });
  });
});

describe('latencyTuner (SLUICE_TARGET_LATENCY_MS)', () => {
  const plan = (job: Parameters<typeof defineJob>[0]) => new Plan(buildGraph(defineJob(job), {}));
  const perBatch = plan((ctx) => {
    ctx
      .stream()
      .count()
      .foreachBatch(() => {});
  });
  const config = {
    targetLatencyMs: 250,
    trigger: 'micro-batch' as const,
    batchIntervalMs: 1000,
    maxRecordsPerBatch: 50_000,
  };

  it('is off without a target', () => {
    expect(latencyTuner({ ...config, targetLatencyMs: undefined }, perBatch)).toBeUndefined();
  });

  it('starts the interval at the target when the configured one is longer', () => {
    const tuner = latencyTuner(config, perBatch);
    expect([tuner?.targetMs, tuner?.intervalMs, tuner?.maxRecords]).toEqual([250, 250, 50_000]);
    expect(latencyTuner({ ...config, batchIntervalMs: 100 }, perBatch)?.intervalMs).toBe(100);
  });

  it('leaves the interval alone for the continuous trigger and for processing-time windows', () => {
    expect(latencyTuner({ ...config, trigger: 'continuous' }, perBatch)?.intervalMs).toBeUndefined();
    const windowed = plan((ctx) => {
      ctx
        .stream()
        .window(2000, 1000)
        .count()
        .foreachBatch(() => {});
    });
    expect(latencyTuner(config, windowed)?.intervalMs).toBeUndefined();
    const eventTime = plan((ctx) => {
      ctx
        .stream()
        .withWatermark(0)
        .window(2000, 1000)
        .count()
        .foreachBatch(() => {});
    });
    expect(latencyTuner(config, eventTime)?.intervalMs).toBe(250);
  });
});
