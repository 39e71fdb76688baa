import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import job from '../../examples/running-totals.ts';
import { LocalKeyedState } from '../../src/coordinator/index.ts';
import { SlotKeyedState } from '../../src/coordinator/slot-state.ts';
import { Slots } from '../../src/coordinator/slots.ts';
import { type BatchInfo, encodePlain } from '../../src/core/index.ts';
import { buildGraph, type KeyedStateNode, Plan } from '../../src/dsl/index.ts';
import { KeyGroups, type StateInput, StatePartitions, statePartitionOf } from '../../src/task/index.ts';

// Keyed state in real worker slots: state partition q lives in the slot of input partition q,
// the main thread holds none of it, and what the slots emit is what one thread computes.

const LAYOUT = { topic: 't', partitions: 4 } as const;
const graph = buildGraph(job, {});
const plan = new Plan(graph);
const node = plan.keyedStates[0] as KeyedStateNode;
const open: Slots[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((slots) => slots.close()));
});

function slots(): Slots {
  const made = new Slots(2, {
    jobPath: resolve('examples/running-totals.ts'),
    env: {},
    signature: graph.signature(),
    valueFormat: 'json',
    decodePolicy: 'fail',
    latePolicy: 'count',
    maxEventTimeAheadMs: 3_600_000,
    generator: { seed: 1, partitions: LAYOUT.partitions },
  });
  open.push(made);
  return made;
}

const info = (batchId: number): BatchInfo => ({
  batchId,
  time: 1000 * (batchId + 1),
  intervalMs: 1000,
  offsetRanges: [],
});

/** A batch's amounts: odd batches as the slots' first pass sends them, encoded per state partition. */
function amounts(batch: number): StateInput {
  const groups = new KeyGroups();
  for (let key = 0; key < 12; key++) if ((key + batch) % 3 !== 0) groups.addAll(`k${key}`, [key, batch]);
  if (batch % 2 === 0) return { groups, parts: new Map() };
  const parts = new Map<number, Uint8Array[]>();
  for (const group of groups.groups()) {
    const partition = statePartitionOf(group[0], LAYOUT.partitions);
    // Two parts per partition, as from two input partitions: a key's values keep their order.
    const [first, second] = [group[1].slice(0, 1), group[1].slice(1)];
    parts.set(partition, [
      ...(parts.get(partition) ?? []),
      encodePlain([[group[0], first]]),
      encodePlain([[group[0], second]]),
    ]);
  }
  return { groups: new KeyGroups(), parts };
}

const owned = Array.from({ length: LAYOUT.partitions }, (_, partition) => ({
  topic: LAYOUT.topic,
  partition,
}));
const id = (partition: number): string => `${LAYOUT.topic}\u0000${partition}`;

describe('keyed state in the worker slots', () => {
  it('emits what one thread computes, batch by batch, and each slot holds only its state partitions', async () => {
    const pool = slots();
    const inSlots = new SlotKeyedState(new StatePartitions(LAYOUT), pool);
    const local = new LocalKeyedState(new StatePartitions(LAYOUT));
    inSlots.own(owned);
    local.own(owned);
    for (let batch = 0; batch < 4; batch++) {
      const expected = await local.run(node, amounts(batch), info(batch), false);
      expect((await inSlots.run(node, amounts(batch), info(batch), false)).values).toEqual(expected.values);
    }
    expect(inSlots.size).toBe(12);
    for (let partition = 0; partition < LAYOUT.partitions; partition++) {
      const { state, nodeBytes } = await inSlots.snapshot(id(partition));
      const [[, entries] = [0, []]] = state;
      // Each operation's bytes: its part of the checkpoint as msgpack.
      expect(nodeBytes).toEqual(state.map(([op, list]) => [op, encodePlain([op, list]).byteLength]));
      const keys = entries.map(([key]) => key as string).sort();
      const mine = Array.from({ length: 12 }, (_, key) => `k${key}`)
        .filter((key) => statePartitionOf(key, LAYOUT.partitions) === partition)
        .sort();
      expect(keys).toEqual(mine);
      expect(await inSlots.snapshot(id(partition))).toEqual(local.snapshot(id(partition)));
    }
    // Four input partitions over two slots: two each.
    const placement = owned.map(({ topic, partition }) => pool.slotOf(topic, partition)).sort();
    expect(placement).toEqual([0, 0, 1, 1]);
  });

  it('a released partition takes its state with it; a checkpoint puts it back in its slot', async () => {
    const pool = slots();
    const keyed = new SlotKeyedState(new StatePartitions(LAYOUT), pool);
    keyed.own(owned);
    await keyed.run(node, amounts(1), info(0), false);
    const moving = statePartitionOf('k1', LAYOUT.partitions);
    const saved = await keyed.snapshot(id(moving));
    expect(saved.state[0]?.[1].length).toBeGreaterThan(0);
    expect(saved.nodeBytes).toEqual([[node.id, encodePlain(saved.state[0]).byteLength]]);
    pool.release(LAYOUT.topic, moving);
    expect(await keyed.snapshot(id(moving))).toEqual({ state: [], nodeBytes: [] });
    await keyed.restore(id(moving), saved.state);
    expect(await keyed.snapshot(id(moving))).toEqual(saved);
    await keyed.forget(id(moving));
    expect(await keyed.snapshot(id(moving))).toEqual({ state: [], nodeBytes: [] });
  });

  it('a key of a state partition not owned fails the batch with SLUICE_STATE_PARTITION, before any slot runs', async () => {
    const keyed = new SlotKeyedState(new StatePartitions(LAYOUT), slots());
    const held = statePartitionOf('k0', LAYOUT.partitions);
    keyed.own([{ topic: LAYOUT.topic, partition: held }]);
    const other = ['k1', 'k2', 'k3', 'k4', 'k5'].find(
      (key) => statePartitionOf(key, LAYOUT.partitions) !== held,
    );
    const groups = new KeyGroups();
    groups.addAll(other ?? '', [1]);
    await expect(keyed.run(node, { groups, parts: new Map() }, info(0), false)).rejects.toMatchObject({
      code: 'SLUICE_STATE_PARTITION',
    });
    expect(await keyed.snapshot(id(held))).toEqual({ state: [], nodeBytes: [] });
  });
});
