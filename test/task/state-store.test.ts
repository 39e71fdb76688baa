import { describe, expect, it } from 'vitest';
import type { KeyedStateNode } from '../../src/dsl/graph.ts';
import { buildGraph, defineJob, Plan } from '../../src/dsl/index.ts';
import { isSluiceError } from '../../src/errors/index.ts';
import { KeyedStateStore, statePartitionOf } from '../../src/task/index.ts';

const id = (partition: number): string => `t\u0000${partition}`;

const plan = new Plan(
  buildGraph(
    defineJob((ctx) => {
      ctx
        .stream<string>()
        .map((r): [string, number] => [r.value, 1])
        .mapWithState({
          fn: () => undefined,
          initialState: [
            ['f', 1],
            ['a', 2],
            ['b', 3],
          ],
        })
        .print();
    }),
    {},
  ),
);
const node = plan.keyedStates[0] as KeyedStateNode;

function store(log: [object, string][] = []) {
  return new KeyedStateStore({
    layout: { topic: 't', partitions: 3 },
    log: { error: (object, message) => void log.push([object, message]) },
  });
}

describe('KeyedStateStore', () => {
  it('holds the owned state partitions and seeds each with its keys of the initial state, once', () => {
    const keyed = store();
    keyed.own([
      { topic: 't', partition: 0 },
      { topic: 't', partition: 2 },
      { topic: 'other', partition: 1 },
    ]);
    keyed.begin(plan.keyedStates, 1_000);
    expect(keyed.held()).toEqual([
      { topic: 't', partition: 0 },
      { topic: 't', partition: 2 },
    ]);
    // f is in state partition 0, a in 1 (not owned), b in 2.
    expect(keyed.snapshot(id(0))).toEqual([[node.id, [['f', 1, 1_000]]]]);
    expect(keyed.snapshot(id(1))).toEqual([]);
    expect(keyed.snapshot(id(2))).toEqual([[node.id, [['b', 3, 1_000]]]]);
    keyed.table(node.id, 'f').delete('f');
    keyed.begin(plan.keyedStates, 2_000);
    expect(keyed.snapshot(id(0))).toEqual([[node.id, []]]);
  });

  it('restores a snapshot in place of what it held, forgets partitions that left', () => {
    const keyed = store();
    keyed.begin(plan.keyedStates, 1_000);
    keyed.restore(id(1), [
      [
        node.id,
        [
          ['c', { n: 1 }, 500],
          ['a', 9, 700],
        ],
      ],
    ]);
    expect(keyed.snapshot(id(1))).toEqual([
      [
        node.id,
        [
          ['c', { n: 1 }, 500],
          ['a', 9, 700],
        ],
      ],
    ]);
    keyed.own([{ topic: 't', partition: 1 }]);
    expect(keyed.held()).toEqual([{ topic: 't', partition: 1 }]);
    keyed.forget(id(1));
    expect(keyed.held()).toEqual([]);
    keyed.restore(id(2), []);
    expect(keyed.held()).toEqual([]);
  });

  it('a key of a state partition not held: logs the key, its state partition and the repartition, and throws', () => {
    const log: [object, string][] = [];
    const keyed = store(log);
    keyed.own([{ topic: 't', partition: 0 }]);
    keyed.begin(plan.keyedStates, 1_000);
    expect(statePartitionOf('b', 3)).toBe(2);
    keyed.check(node, ['f', 'g']);
    let error: unknown;
    try {
      keyed.check(node, ['f', 'b']);
    } catch (caught) {
      error = caught;
    }
    expect(isSluiceError(error, 'SLUICE_STATE_PARTITION')).toBe(true);
    expect(log).toEqual([
      [
        { node: node.id, operator: 'mapWithState', key: 'b', statePartition: 2, owned: [0] },
        'a key belongs to a state partition this instance does not own: repartition the stream by its key',
      ],
    ]);
  });

  it('needs a partition count of at least 1, and one before the first batch', () => {
    expect(() => new KeyedStateStore({ layout: { topic: 't', partitions: 0 } })).toThrow(
      'keyed state needs the partition count of topic t, an integer >= 1; got 0',
    );
    expect(() => new KeyedStateStore().begin(plan.keyedStates, 0)).toThrow(
      'keyed state needs the number of input partitions, and none was given to the state store',
    );
  });
});
