import { describe, expect, it } from 'vitest';
import type { BatchInfo } from '../../src/core/index.ts';
import { buildGraph, defineJob, type IntervalJoinNode, Plan } from '../../src/dsl/index.ts';
import { KeyGroups, runStatePartition, storeFor } from '../../src/task/index.ts';
import { LEFT, RIGHT } from '../../src/task/interval-join.ts';

// a.join(b, { within: [-10, 20] }): a left value at t waits until the watermark passes t + 20, a
// right value at s until it passes s + 10 (no left value at or after the watermark meets it after).
const plan = new Plan(
  buildGraph(
    defineJob((ctx) => {
      const a = ctx
        .stream<[string, number]>('a')
        .withWatermark(0)
        .map((r) => r.value);
      const b = ctx
        .stream<[string, number]>('b')
        .withWatermark(0)
        .map((r) => r.value);
      a.leftOuterJoin(b, { within: [-10, 20] }).print();
    }),
    {},
  ),
);
const node = plan.nodes.find((candidate) => candidate.kind === 'intervalJoin') as IntervalJoinNode;
const ID = 'a\u00000';

const info = (batchId: number, watermark: number): BatchInfo => ({
  batchId,
  time: batchId * 1000,
  intervalMs: 1000,
  offsetRanges: [],
  watermark,
});

function batch(values: [string, 0 | 1, number, string][]): KeyGroups {
  const groups = new KeyGroups();
  for (const [key, side, time, value] of values) groups.add(key, [side, time, value]);
  return groups;
}

/** What waits per key: left times, then right times. */
function waiting(store: ReturnType<typeof storeFor>) {
  const [[, entries] = [0, []]] = store.snapshot(ID);
  return Object.fromEntries(
    entries.map(([key, state]) => {
      const [lefts, rights] = state as [[number][], [number][]];
      return [key as string, [lefts.map(([time]) => time), rights.map(([time]) => time)]];
    }),
  );
}

describe('interval join eviction', () => {
  it.each([false, true])(
    'drops each value once the watermark passes its last chance, no earlier, no later (restored from a checkpoint between: %s)',
    (restore) => {
      let store = storeFor({ topic: 'a', partitions: 1 }, ID);
      const run = (batchId: number, watermark: number, values: [string, 0 | 1, number, string][]) =>
        runStatePartition(store, node, batch(values), info(batchId, watermark), false).values;
      expect(
        run(0, 100, [
          ['k', LEFT, 100, 'l100'],
          ['k', RIGHT, 105, 'r105'],
          ['j', RIGHT, 130, 'r130'],
          ['j', LEFT, 140, 'l140'],
        ]),
      ).toEqual([
        ['k', ['l100', 'r105']],
        ['j', ['l140', 'r130']],
      ]);
      expect(waiting(store)).toEqual({ k: [[100], [105]], j: [[140], [130]] });
      if (restore) {
        const snapshot = store.snapshot(ID);
        store = storeFor({ topic: 'a', partitions: 1 }, ID);
        store.restore(ID, snapshot);
      }
      // 115 passes r105's last chance (105 + 10); l100's is 120.
      expect(run(1, 116, [])).toEqual([]);
      expect(waiting(store)).toEqual({ k: [[100], []], j: [[140], [130]] });
      expect(run(2, 120, [])).toEqual([]);
      expect(waiting(store)).toEqual({ k: [[100], []], j: [[140], [130]] });
      // Past 120: l100 goes (it met r105: no null row); past 140: r130 goes.
      expect(run(3, 141, [['k', RIGHT, 141, 'r141']])).toEqual([]);
      expect(waiting(store)).toEqual({ k: [[], [141]], j: [[140], []] });
      // Past 160: l140 goes (it met r130: no null row either), and r141 (151). A left value that
      // met none gets its null row.
      expect(run(4, 161, [['m', LEFT, 161, 'l161']])).toEqual([]);
      expect(waiting(store)).toEqual({ m: [[161], []] });
      expect(run(5, 182, [])).toEqual([['m', ['l161', null]]]);
      expect(waiting(store)).toEqual({});
    },
  );
});
