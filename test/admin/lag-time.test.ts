import { describe, expect, it } from 'vitest';
import { batchRecord } from '../../src/admin/index.ts';
import { consumptionRates, lagMs } from '../../src/admin/lag-time.ts';
import { batchStats } from './stats.ts';

describe('consumptionRates', () => {
  it('divides the offsets each partition took over the last window by its span', () => {
    // Batches 0…19, 1 s apart; each takes 10 records from clicks-0 and 5 from clicks-1. Newest first.
    const batches = Array.from({ length: 20 }, (_, id) => batchRecord(batchStats(id))).toReversed();
    // Batches 10…19 lie within 10 s of batch 19; the span starts at batch 9's time.
    expect(consumptionRates(batches, 10_000)).toEqual(
      new Map([
        ['clicks-0', 10],
        ['clicks-1', 5],
      ]),
    );
    // One batch: its own interval is the span.
    expect(consumptionRates(batches.slice(0, 1), 10_000)).toEqual(
      new Map([
        ['clicks-0', 10],
        ['clicks-1', 5],
      ]),
    );
    expect(consumptionRates([], 10_000)).toEqual(new Map());
  });
});

describe('lagMs', () => {
  it('is the lag over the rate, 0 without lag, null when nothing is read', () => {
    expect(lagMs(50, 10)).toBe(5000);
    expect(lagMs(1, 3)).toBe(333);
    expect(lagMs(0, undefined)).toBe(0);
    expect(lagMs(7, 0)).toBeNull();
    expect(lagMs(7, undefined)).toBeNull();
  });
});
