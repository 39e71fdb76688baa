import { describe, expect, it } from 'vitest';
import { BatchHistory, batchRecord } from '../../src/admin/index.ts';
import { LatencyHistogram } from '../../src/core/index.ts';
import { batchStats } from './stats.ts';

describe('batchRecord', () => {
  it('gives offsets as strings, every count, and the total delay', () => {
    expect(batchRecord(batchStats(3, { watermark: 1_700_000_000_500, rate: 1234.5 }))).toEqual({
      batchId: 3,
      time: 1_700_000_003_000,
      intervalMs: 1000,
      offsetRanges: [
        { topic: 'clicks', partition: 0, fromOffset: '30', untilOffset: '40' },
        { topic: 'clicks', partition: 1, fromOffset: '15', untilOffset: '20' },
      ],
      records: { consumed: 15, processed: 14, late: 2, decodeErrors: 1, deadLettered: 1 },
      schedulingDelayMs: 20,
      processingMs: 230,
      slotsMs: 180,
      outputMs: 45,
      totalDelayMs: 250,
      fetchWaitMs: null,
      latency: null,
      watermark: 1_700_000_000_500,
      rate: 1234.5,
      tuning: null,
    });
  });

  it("gives the latency tuner's decision, its interval null where it is not tuned", () => {
    const tuning = {
      intervalMs: undefined,
      maxRecords: 750,
      action: 'shorten',
      reason: 'p99 45 ms above the target 20 ms',
    } as const;
    expect(batchRecord(batchStats(0, { tuning })).tuning).toEqual({ ...tuning, intervalMs: null });
  });

  it("gives the records' latencies in ms: percentiles within a bucket, the exact max and mean", () => {
    const latency = new LatencyHistogram();
    // 1,000 records at 1…1000 ms.
    for (let ms = 1; ms <= 1000; ms++) latency.record(ms * 1000);
    const record = batchRecord(batchStats(0, { latency, fetchWaitMs: 12 }));
    expect(record.fetchWaitMs).toBe(12);
    expect(record.latency).toMatchObject({ count: 1000, meanMs: 500.5, maxMs: 1000 });
    const { p50Ms, p90Ms, p99Ms, p999Ms } = record.latency ?? { p50Ms: 0, p90Ms: 0, p99Ms: 0, p999Ms: 0 };
    for (const [got, exact] of [
      [p50Ms, 500],
      [p90Ms, 900],
      [p99Ms, 990],
      [p999Ms, 999],
    ] as const) {
      expect(got).toBeGreaterThanOrEqual(exact);
      expect(got).toBeLessThanOrEqual(Math.min(1000, exact * (1 + 1 / 32)));
    }
  });

  it('gives no backpressure rate as null', () => {
    expect(batchRecord(batchStats(0)).rate).toBeNull();
  });

  it('gives no watermark before any event time as null (JSON has no -Infinity)', () => {
    expect(batchRecord(batchStats(0)).watermark).toBeNull();
  });
});

describe('BatchHistory', () => {
  it('lists the batches newest first', () => {
    const history = new BatchHistory(5);
    for (let id = 0; id < 3; id++) history.add(batchStats(id));
    expect(history.list().map((batch) => batch.batchId)).toEqual([2, 1, 0]);
  });

  it('keeps only the last `capacity` batches', () => {
    const history = new BatchHistory(4);
    for (let id = 0; id < 11; id++) history.add(batchStats(id));
    expect(history.list().map((batch) => batch.batchId)).toEqual([10, 9, 8, 7]);
  });

  it('keeps 100 batches by default', () => {
    const history = new BatchHistory();
    for (let id = 0; id < 150; id++) history.add(batchStats(id));
    const ids = history.list().map((batch) => batch.batchId);
    expect(ids).toHaveLength(100);
    expect([ids[0], ids.at(-1)]).toEqual([149, 50]);
  });

  it('refuses a capacity below 1', () => {
    expect(() => new BatchHistory(0)).toThrow('a batch history holds at least 1 batch; got 0');
  });
});
