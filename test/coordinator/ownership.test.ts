import { describe, expect, it } from 'vitest';
import { LocalKeyedState, type PartitionWork, WindowMerger } from '../../src/coordinator/index.ts';
import { Ownership } from '../../src/coordinator/ownership.ts';
import { RepartitionIngress } from '../../src/coordinator/repartition-ingress.ts';
import { toOffset } from '../../src/core/index.ts';
import { buildGraph, defineJob, Plan } from '../../src/dsl/index.ts';
import { generatedWork } from '../../src/sources/index.ts';
import { StatePartitions } from '../../src/task/index.ts';
import { WatermarkTracker } from '../../src/window/index.ts';
import { scriptedAssignment } from '../support/scripted-engine.ts';

const plan = new Plan(
  buildGraph(
    defineJob((ctx) => ctx.stream().print()),
    {},
  ),
);
/** Topic `r` is a repartition topic (of node 1); `t` is the input. */
const ingress = new RepartitionIngress(plan, { topics: new Map([['r', 1]]), write: async () => {} });
const work = (topic: string, partition: number, records = 1): PartitionWork =>
  generatedWork({ topic, partition, fromOffset: toOffset(0n), untilOffset: toOffset(BigInt(records)) });
const names = (partitions: readonly { topic: string; partition: number }[]) =>
  partitions.map(({ topic, partition }) => `${topic}-${partition}`);

function ownership(options: { owned?: () => number[]; windows?: boolean; keyed?: LocalKeyedState } = {}) {
  const watermark = options.windows ? new WatermarkTracker(new Map([[0, 0]]), 1_000_000) : undefined;
  const windows = new WindowMerger();
  return {
    watermark,
    ownership: new Ownership({
      assignment: options.owned && scriptedAssignment(options.owned),
      ingress,
      watermark,
      windows,
      keyed: options.keyed,
      exchange: undefined,
    }),
  };
}

describe('Ownership', () => {
  it("runs transactions on the assignment's input partitions, or without one on the batch's", () => {
    const assigned = ownership({ owned: () => [0, 2] }).ownership;
    expect(names(assigned.transactional([work('t', 1)]))).toEqual(['t-0', 't-2']);
    const unassigned = ownership().ownership;
    expect(names(unassigned.transactional([work('t', 1), work('r', 0)]))).toEqual(['t-1']);
  });

  it('without windows, ticks nothing', () => {
    expect(ownership({ owned: () => [0, 1] }).ownership.ticks([work('t', 0)], 1_000)).toEqual([]);
  });

  it('ticks every owned input partition without work, and forgets the clocks of those that left', () => {
    let owned = [0, 1, 2];
    const { ownership: own, watermark } = ownership({ owned: () => owned, windows: true });
    const ticks = own.ticks([work('t', 1)], 1_000);
    expect(names(ticks.map((tick) => tick.range))).toEqual(['t-0', 't-2']);
    expect(ticks.map((tick) => [tick.records, tick.range.fromOffset, tick.range.untilOffset])).toEqual([
      [0, 0n, 0n],
      [0, 0n, 0n],
    ]);
    const info = { batchId: 0, time: 1_000, intervalMs: 1_000, offsetRanges: [] };
    expect(ticks[0]?.task(info)).toEqual({ type: 'tick', info, topic: 't', partition: 0 });
    expect(watermark?.owned().sort()).toEqual(['t\u00000', 't\u00001', 't\u00002']);
    owned = [1];
    expect(own.ticks([], 2_000).map((tick) => tick.range.partition)).toEqual([1]);
    expect(watermark?.owned()).toEqual(['t\u00001']);
  });

  it('without an assignment, ticks every input partition a batch brought so far', () => {
    const { ownership: own } = ownership({ windows: true });
    expect(own.ticks([work('t', 0), work('r', 1)], 1_000)).toEqual([]);
    expect(names(own.ticks([work('t', 2)], 2_000).map((tick) => tick.range))).toEqual(['t-0']);
    expect(names(own.ticks([], 3_000).map((tick) => tick.range))).toEqual(['t-0', 't-2']);
  });

  it('checkpoints what is owned now; without an assignment, no owned set', () => {
    expect(ownership({ owned: () => [1, 3] }).ownership.checkpointed()).toEqual(
      new Set(['t\u00001', 't\u00003']),
    );
    expect(ownership().ownership.checkpointed()).toBeUndefined();
  });

  it('keyed state follows the assignment, and holds every state partition without one', () => {
    const keyed = new LocalKeyedState(new StatePartitions({ topic: 't', partitions: 3 }));
    const own = ownership({ owned: () => [2], keyed }).ownership;
    expect(own.heldState()).toEqual([
      { topic: 't', partition: 0 },
      { topic: 't', partition: 1 },
      { topic: 't', partition: 2 },
    ]);
    expect(own.ownedState()).toBe(keyed);
    expect(own.heldState()).toEqual([{ topic: 't', partition: 2 }]);

    const unassigned = new LocalKeyedState(new StatePartitions({ topic: 't', partitions: 2 }));
    const none = ownership({ keyed: unassigned }).ownership;
    expect(none.ownedState()).toBe(unassigned);
    expect(none.heldState()).toHaveLength(2);
    expect(none.position('t', 0)).toBeUndefined();
  });

  it('is ready at once and never revoked without an assignment', async () => {
    const own = ownership().ownership;
    let revoked = false;
    own.onRevoking(async () => {
      revoked = true;
    });
    await own.ready();
    expect(revoked).toBe(false);
  });
});
