import { describe, expect, it } from 'vitest';
import {
  decodeForward,
  encodeForward,
  type KeyForward,
  LocalKeyedState,
  mergePartitions,
  type Routing,
  repartitionTopic,
} from '../../src/coordinator/index.ts';
import type { BatchInfo } from '../../src/core/index.ts';
import { buildGraph, defineJob, type Job, Plan, type State } from '../../src/dsl/index.ts';
import { isSluiceError } from '../../src/errors/index.ts';
import { KeyGroups, type PartitionResult, StatePartitions } from '../../src/task/index.ts';

// Two instances of one group over 3 partitions: A owns partition 0, B owns 1 and 2.
// Keys of 3 state partitions (murmur2, see state-ops.test.ts): f g → 0, a c → 1, b d → 2.

const sums = defineJob((ctx) => {
  ctx
    .stream<{ k: string; v: number }>()
    .map((record): [string, number] => [record.value.k, record.value.v])
    .updateStateByKey<number>((values, total) => (total ?? 0) + values.reduce((a, b) => a + b, 0))
    .print();
});

const calls: string[] = [];
const perValue = defineJob((ctx) => {
  ctx
    .stream<{ k: string; v: number }>()
    .map((record): [string, number] => [record.value.k, record.value.v])
    .mapWithState({
      fn: (key: string, value: number | undefined, state: State<number[]>) => {
        calls.push(`${key}:${value}`);
        state.update([...(state.getOption() ?? []), value ?? -1]);
        return undefined;
      },
    })
    .stateSnapshots()
    .print();
});

const STATE_NODE = 2;

function instance(job: Job, owned: readonly number[]) {
  const plan = new Plan(buildGraph(job, {}));
  const store = new LocalKeyedState(new StatePartitions({ topic: 'in', partitions: 3 }));
  store.own(owned.map((partition) => ({ topic: 'in', partition })));
  let batchId = 0;
  return {
    /** One batch: the slots' groups per partition, and the forwards read from the repartition topic. */
    async batch(groups: Record<number, [string, number[]][]>, forwarded: readonly KeyForward[] = []) {
      const info: BatchInfo = {
        batchId: batchId++,
        time: 1000 * batchId,
        intervalMs: 1000,
        offsetRanges: [],
      };
      const results: PartitionResult[] = Object.entries(groups).map(([partition, list]) => ({
        topic: 'in',
        partition: Number(partition),
        records: list.length,
        exports: [{ node: STATE_NODE, kind: 'groups', groups: list }],
        decodeErrors: 0,
        failures: [],
      }));
      const incoming = new KeyGroups();
      // Through the bytes of a repartition record, as the engine reads them.
      for (const { key, values } of forwarded)
        incoming.addAll(...decodeForward(encodeForward(key, values), 'test'));
      const routing: Routing = { incoming: new Map([[STATE_NODE, incoming]]), outgoing: [] };
      const outputs = await mergePartitions(plan, results, info, undefined, store, routing);
      const outgoing = routing.outgoing.filter((forward): forward is KeyForward => !('message' in forward));
      return { values: outputs[0]?.values, outgoing };
    },
  };
}

describe('routing keyed state through the repartition topic', () => {
  it('applies owned keys here and forwards the others, one forward per key with its values in order', async () => {
    const a = instance(sums, [0]);
    const b = instance(sums, [1, 2]);
    const fromA = await a.batch({
      0: [
        ['f', [1]],
        ['a', [2, 3]],
        ['b', [4]],
      ],
    });
    expect(fromA.values).toEqual([['f', 1]]);
    expect(fromA.outgoing).toEqual([
      { node: STATE_NODE, partition: 1, key: 'a', values: [2, 3] },
      { node: STATE_NODE, partition: 2, key: 'b', values: [4] },
    ]);
    // B reads A's forwards in a later batch, with its own records: forwarded values first.
    const fromB = await b.batch(
      {
        1: [
          ['a', [10]],
          ['g', [5]],
        ],
      },
      fromA.outgoing,
    );
    expect(fromB.values).toEqual([
      ['a', 15],
      ['b', 4],
    ]);
    expect(fromB.outgoing).toEqual([{ node: STATE_NODE, partition: 0, key: 'g', values: [5] }]);
    expect((await a.batch({}, fromB.outgoing)).values).toEqual([
      ['f', 1],
      ['g', 5],
    ]);
  });

  it('mapWithState gets the forwarded values before the batch’s own, once each; keys run by state partition', async () => {
    calls.length = 0;
    const b = instance(perValue, [1, 2]);
    const out = await b.batch({ 2: [['d', [3]]], 1: [['c', [4, 5]]] }, [
      { node: STATE_NODE, partition: 2, key: 'd', values: [1, 2] },
    ]);
    // c is in state partition 1, d in 2: each partition runs its keys, partitions in order.
    expect(calls).toEqual(['c:4', 'c:5', 'd:1', 'd:2', 'd:3']);
    expect(out.values).toEqual([
      ['c', [4, 5]],
      ['d', [1, 2, 3]],
    ]);
    expect(out.outgoing).toEqual([]);
  });

  it('a batch with nothing of other partitions forwards nothing', async () => {
    const a = instance(sums, [0]);
    expect(await a.batch({ 0: [['g', [7]]] })).toEqual({ values: [['g', 7]], outgoing: [] });
  });
});

describe('repartition records', () => {
  it('are named after the group, the operation and its node', () => {
    expect(repartitionTopic('totals', { kind: 'updateStateByKey', id: 2 })).toBe(
      'totals-updateStateByKey-2-repartition',
    );
    expect(repartitionTopic('s', { kind: 'mapWithState', id: 5 })).toBe('s-mapWithState-5-repartition');
  });

  it('carry [key, values] as msgpack, bigints and objects included', () => {
    const values = [1n, { page: '/a' }, null, 'x'];
    expect(decodeForward(encodeForward({ id: 1 }, values), 'here')).toEqual([{ id: 1 }, values]);
  });

  it('a body that is not [key, values] fails with SLUICE_REPARTITION and where it was read', () => {
    const error = (() => {
      try {
        return decodeForward(encodeForward('k', []).subarray(0, 1), 'rep-1 from offset 4 (+0)');
      } catch (caught) {
        return caught;
      }
    })();
    expect(isSluiceError(error, 'SLUICE_REPARTITION')).toBe(true);
    expect((error as Error).message).toMatch(
      /^rep-1 from offset 4 \(\+0\): a repartition record is not msgpack \[key, values\]/,
    );
    expect(() => decodeForward(new Uint8Array([0x01]), 'rep-0')).toThrow(
      'rep-0: a repartition record is not [key, values]',
    );
  });
});
