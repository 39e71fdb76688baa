import { describe, expect, it } from 'vitest';
import { WindowMerger } from '../../src/coordinator/index.ts';
import { buildGraph, defineJob, Plan } from '../../src/dsl/index.ts';
import type { PartitionResult } from '../../src/task/index.ts';
import { Aggregations, type WindowResult, Windows } from '../../src/window/index.ts';

const plan = new Plan(
  buildGraph(
    defineJob((ctx) => {
      ctx
        .stream<string>()
        .withWatermark(0)
        .map((r): [string, number] => [r.value, 1])
        .windowAggregate(Windows.tumbling(10), Aggregations.sum(), { emit: 'update' })
        .print();
    }),
    {},
  ),
);
const node = plan.windows[0];
if (node?.kind !== 'windowAggregate') throw new Error('expected a window aggregation');

/** A partition's update of window [0, 10) for key a. */
function update(partition: number, partial: number): PartitionResult {
  return {
    topic: 't',
    partition,
    records: 1,
    decodeErrors: 0,
    failures: [],
    exports: [
      { node: node?.id ?? 0, kind: 'windows', windows: [{ start: 0, end: 10, pairs: [['a', partial]] }] },
    ],
  };
}

const info = { batchId: 0, time: 1, intervalMs: 1, offsetRanges: [], watermark: -1 };
const row = (value: number): WindowResult => ({ key: 'a', windowStart: 0, windowEnd: 10, value });

describe('WindowMerger in update mode', () => {
  it('merges the latest partial of every partition, and forgets a partition that left', () => {
    const merger = new WindowMerger();
    expect(merger.merge(node, [update(0, 2), update(1, 3)], info, true)).toEqual([row(5)]);
    // Partition 1 did not change the window: its partial still counts.
    expect(merger.merge(node, [update(0, 4)], info, true)).toEqual([row(7)]);
    merger.forget('t\u00001');
    expect(merger.merge(node, [update(0, 4)], info, true)).toEqual([row(4)]);
  });

  it("snapshot and restore carry one partition's partials", () => {
    const merger = new WindowMerger();
    merger.merge(node, [update(0, 2), update(1, 3)], info, true);
    expect(merger.snapshot('t\u00001')).toEqual([[node.id, 10, 'a', 3]]);
    const restored = new WindowMerger();
    restored.restore('t\u00001', merger.snapshot('t\u00001'));
    expect(restored.merge(node, [update(0, 1)], info, true)).toEqual([row(4)]);
  });

  it('drops windows the watermark closed', () => {
    const merger = new WindowMerger();
    merger.merge(node, [update(0, 2)], info, true);
    expect(merger.openEntries()).toBe(1);
    merger.merge(node, [], { ...info, watermark: 10 }, true);
    expect(merger.openEntries()).toBe(0);
  });
});
