import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketOf, bucketRange, LatencyHistogram } from '../../src/core/latency-histogram.ts';

describe('LatencyHistogram buckets', () => {
  it('are one per microsecond below 64, then 32 per power of two, each value in its own', () => {
    expect([0, 1, 63, 64, 65, 127, 128, 130].map(bucketOf)).toEqual([0, 1, 63, 64, 64, 95, 96, 96]);
    expect(bucketRange(64)).toEqual({ low: 64, width: 2 });
    expect(bucketRange(96)).toEqual({ low: 128, width: 4 });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 - 1 }), (value) => {
        const { low, width } = bucketRange(bucketOf(value));
        expect(value).toBeGreaterThanOrEqual(low);
        expect(value).toBeLessThan(low + width);
        // A bucket is at most 1/32 of the values in it.
        expect(width).toBeLessThanOrEqual(Math.max(1, low / 32));
      }),
    );
  });
});

describe('LatencyHistogram', () => {
  it('reads percentiles to within a bucket, and the exact max', () => {
    const histogram = new LatencyHistogram();
    for (let ms = 1; ms <= 100; ms++) histogram.record(ms * 1000);
    expect(histogram.count).toBe(100);
    expect(histogram.max).toBe(100_000);
    const p50 = histogram.percentile(0.5);
    expect(Math.abs(p50 - 50_000) / 50_000).toBeLessThan(1 / 32);
    expect(histogram.percentile(0.99)).toBeGreaterThanOrEqual(99_000 * (1 - 1 / 32));
    expect(histogram.percentile(1)).toBe(100_000);
    expect(new LatencyHistogram().percentile(0.5)).toBe(0);
  });

  it('counts what it cannot place: negative, NaN and huge values, and ignores empty counts', () => {
    const histogram = new LatencyHistogram();
    histogram.record(-5);
    histogram.record(Number.NaN);
    histogram.record(1e300);
    histogram.record(10, 0);
    expect(histogram.count).toBe(3);
    expect(histogram.percentile(0.5)).toBe(0);
    // 1e300 µs lands in the top bucket (about 12.7 days); the max stays exact.
    expect(histogram.max).toBe(1e300);
    expect(histogram.percentile(1)).toBeLessThan(2 ** 41);
  });

  it('merges shifted: what a slot measured, moved to when the sink finished', () => {
    const slot = new LatencyHistogram();
    for (const ms of [1, 2, 3, 4]) slot.record(ms * 1000);
    const batch = new LatencyHistogram();
    batch.merge(slot, 100_000);
    batch.merge(slot);
    expect(batch.count).toBe(8);
    expect(batch.max).toBe(104_000);
    // The sum is exact: 4 × 100 ms of shift plus twice the slot's 10 ms.
    expect(batch.sum).toBe(420_000);
    expect(Math.abs(batch.percentile(1) - 104_000) / 104_000).toBeLessThan(1 / 32);
    expect(batch.percentile(0.5)).toBeLessThan(4_200);
    expect(batch.countAtMost(10_000)).toBe(4);
  });

  it('goes through its sparse form unchanged, and leaves out what is not a bucket', () => {
    const histogram = new LatencyHistogram();
    for (const micros of [0, 5, 70, 1_000_000]) histogram.record(micros, 2);
    const sparse = histogram.toSparse();
    const back = LatencyHistogram.fromSparse(sparse);
    expect(back.toSparse()).toEqual(sparse);
    expect([back.count, back.sum, back.max]).toEqual([8, 2_000_150, 1_000_000]);
    const hostile = LatencyHistogram.fromSparse([-1, 5, 1e9, 5, 3.5, 1, 7, Number.NaN, 9, 2, 99, 42]);
    expect(hostile.toSparse()).toEqual([9, 2, 99, 42]);
    expect(LatencyHistogram.fromSparse([9, 2, Number.NaN, -3]).toSparse()).toEqual([9, 2, 0, 0]);
    expect(LatencyHistogram.fromSparse([]).count).toBe(0);
  });

  it('gives what a growing histogram counted between two reads', () => {
    const run = new LatencyHistogram();
    for (const ms of [300, 5, 6]) run.record(ms * 1000);
    const earlier = LatencyHistogram.fromSparse(run.toSparse());
    for (const ms of [7, 8, 9]) run.record(ms * 1000);
    const window = LatencyHistogram.between(earlier, run);
    expect([window.count, window.sum]).toEqual([3, 24_000]);
    // The max (300 ms) came before the window: the top of the window's highest bucket stands in.
    expect(window.max).toBeGreaterThanOrEqual(9_000);
    expect(window.max).toBeLessThan(9_000 * (1 + 1 / 32));
    run.record(400_000);
    expect(LatencyHistogram.between(earlier, run).max).toBe(400_000);
    expect(LatencyHistogram.between(run, run).count).toBe(0);
  });
});
