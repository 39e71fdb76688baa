import { describe, expect, it } from 'vitest';
import { OperatorCounter } from '../../src/admin/operator-totals.ts';
import { batchStats } from './stats.ts';

describe('OperatorCounter', () => {
  it("sums each operator's records out over the batches; records in are the parents' out, the consumed records for the source", () => {
    const counter = new OperatorCounter();
    // source 0 → filter 1 → reduceByKey 2 (main) → output 3 (main)
    counter.add(
      batchStats(0, {
        consumed: 15,
        operators: [
          { node: 0, out: 15, sampledMs: 0.5 },
          { node: 1, out: 9, sampledMs: 1.25 },
          { node: 2, out: 4, ms: 1.5, sampledMs: 0.125 },
          { node: 3, out: 4, ms: 0.25 },
        ],
        partitions: [
          { topic: 'clicks', partition: 0, records: 10, late: 0, decodeErrors: 0, slotMs: 2 },
          { topic: 'clicks', partition: 1, records: 5, late: 0, decodeErrors: 0, slotMs: 1.125 },
        ],
      }),
    );
    counter.add(
      batchStats(1, {
        consumed: 15,
        operators: [
          { node: 0, out: 15, sampledMs: 0.25 },
          { node: 1, out: 15, sampledMs: 2 },
          { node: 2, out: 6, ms: 0.5 },
          { node: 3, out: 6, ms: 0.25 },
        ],
      }),
    );
    expect(counter.totals([[], [0], [1], [2]])).toEqual({
      operators: [
        { node: 0, in: 30, out: 30, ms: null, sampledMs: 0.75 },
        { node: 1, in: 30, out: 24, ms: null, sampledMs: 3.25 },
        // The aggregation's slot side (its partials) and its merge on the main thread.
        { node: 2, in: 24, out: 10, ms: 2, sampledMs: 0.125 },
        { node: 3, in: 10, out: 10, ms: 0.5, sampledMs: null },
      ],
      slotMs: 3.125,
    });
  });

  it("takes a union's records in from both parents, and each source's own out with several sources", () => {
    const counter = new OperatorCounter();
    counter.add(
      batchStats(0, {
        consumed: 15,
        operators: [
          { node: 0, out: 10 },
          { node: 1, out: 5 },
          { node: 2, out: 15 },
        ],
      }),
    );
    expect(counter.totals([[], [], [0, 1]]).operators).toEqual([
      { node: 0, in: 10, out: 10, ms: null, sampledMs: null },
      { node: 1, in: 5, out: 5, ms: null, sampledMs: null },
      { node: 2, in: 15, out: 15, ms: null, sampledMs: null },
    ]);
  });
});
