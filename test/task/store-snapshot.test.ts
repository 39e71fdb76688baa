import { describe, expect, it } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/checkpoint/index.ts';
import { selectCodecs } from '../../src/codecs/index.ts';
import { encodePlain, toOffset } from '../../src/core/index.ts';
import { buildGraph, defineJob, Plan } from '../../src/dsl/index.ts';
import { decodeStore, encodeStore, type PartitionStore } from '../../src/task/index.ts';
import { createWindowState } from '../../src/task/window-ops.ts';
import {
  Aggregations,
  FinalWindows,
  paneOps,
  RecordWindows,
  SessionWindows,
  UpdateWindows,
  Windows,
} from '../../src/window/index.ts';
import { sortRows, windowCounts } from '../support/window-oracle.ts';

type Key = string | number | bigint | { readonly u: number };
type Batch = { readonly watermark: number; readonly records: readonly (readonly [Key, number, number])[] };

// Epoch-sized times: pane indexes and frontiers beyond 32 bits must survive msgpack.
const T = 1_700_000_000_000;
const sliding = Windows.sliding(30, 10);

const plan = new Plan(
  buildGraph(
    defineJob((ctx) => {
      const pairs = ctx.stream<[Key, number]>().map((r) => r.value);
      pairs.windowAggregate(sliding, Aggregations.count()).print();
      pairs.windowAggregate(sliding, Aggregations.max()).print();
      pairs
        .windowAggregate(
          sliding,
          Aggregations.of<number, number[], string>({
            empty: () => [],
            add: (acc, value) => [...acc, value],
            merge: (a, b) => [...a, ...b],
            result: (acc) => acc.join(','),
          }),
        )
        .print();
      pairs
        .windowAggregate(
          sliding,
          Aggregations.reduce<number>(
            (a, b) => a + b,
            (a, b) => a - b,
          ),
        )
        .print();
      pairs.windowAggregate(sliding, Aggregations.sum(), { emit: 'update' }).print();
      pairs.window(30, 10).print();
    }),
    {},
  ),
);

const batches: Batch[] = [
  {
    watermark: Number.NEGATIVE_INFINITY,
    records: [
      ['a', 3, T + 1],
      [7, 1, T + 5],
      [5n, 4, T + 12],
    ],
  },
  {
    watermark: T + 10,
    records: [
      ['a', 2, T + 15],
      [{ u: 1 }, 6, T + 25],
      ['a', 9, T + 3],
      ['b', 5, T + 11],
    ],
  },
  {
    watermark: T + 20,
    records: [
      [7, 9, T + 28],
      ['a', 1, T + 33],
    ],
  },
  {
    watermark: T + 30,
    records: [
      [5n, 2, T + 41],
      ['a', 8, T + 38],
      ['b', 1, T + 29],
    ],
  },
  {
    watermark: T + 45,
    records: [
      [{ u: 1 }, 1, T + 47],
      [7, 3, T + 52],
      ['a', 4, T + 49],
    ],
  },
  { watermark: T + 70, records: [['a', 2, T + 75]] },
  {
    watermark: T + 71,
    records: [
      ['a', 6, T + 78],
      [7, 2, T + 95],
    ],
  },
  { watermark: Number.POSITIVE_INFINITY, records: [] },
];

const label = (key: unknown): string =>
  typeof key === 'object' && key !== null ? JSON.stringify(key) : `${typeof key}:${String(key)}`;

type Emitted = { node: number; start: number; end: number; items: unknown[] };

/** One batch against a partition store, as a worker runs it: advance, add what is not late, take. */
function step(store: PartitionStore, batch: Batch, over = plan): Emitted[] {
  const out: Emitted[] = [];
  for (const node of over.windows) {
    let state = store.get(node.id);
    if (!state) {
      state = createWindowState(node);
      store.set(node.id, state);
    }
    state.advance(batch.watermark);
    for (const [key, value, time] of batch.records) {
      if (state.isLate(time)) continue;
      if (state instanceof RecordWindows) state.add([key, value], time);
      else state.add(key, value, time);
    }
    if (state instanceof RecordWindows) {
      for (const { start, end, values } of state.takeFired())
        out.push({ node: node.id, start, end, items: values });
    } else if (state instanceof SessionWindows) {
      for (const [key, sessions] of state.takeUpdates())
        out.push({ node: node.id, start: sessions[0]?.[0] ?? 0, end: 0, items: [key, sessions] });
    } else {
      const windows = state instanceof UpdateWindows ? state.takeUpdates() : state.takeFired();
      for (const { start, end, pairs } of windows) {
        const items = [...pairs].sort(([a], [b]) => label(a).localeCompare(label(b)));
        out.push({ node: node.id, start, end, items });
      }
    }
  }
  return out;
}

function run(from: PartitionStore, list: readonly Batch[], over = plan): Emitted[][] {
  return list.map((batch) => step(from, batch, over));
}

describe('encodeStore / decodeStore', () => {
  it('the plan has one window operation of each state kind', () => {
    const store: PartitionStore = new Map();
    step(store, batches[0] as Batch);
    expect([...store.values()].map((state) => state.constructor.name)).toEqual([
      'FinalWindows',
      'FinalWindows',
      'FinalWindows',
      'FinalWindows',
      'UpdateWindows',
      'RecordWindows',
    ]);
    // Final mode combines by subtract-on-evict, a monotonic deque (max) or Two-Stacks (no inverse).
    const combiners = plan.windows.slice(0, 4).map((node) => {
      const ops = node.kind === 'windowAggregate' ? paneOps(node.aggregation) : undefined;
      return ops?.invertible ? 'incremental' : ops?.supersedes ? 'monotonic' : 'two-stacks';
    });
    expect(combiners).toEqual(['incremental', 'monotonic', 'two-stacks', 'incremental']);
  });

  it('the uninterrupted run fires the counts an oracle computes, and every operation emits', () => {
    const store: PartitionStore = new Map();
    const emitted = run(store, batches).flat();
    const countNode = plan.windows[0]?.id;
    const rows = emitted
      .filter((item) => item.node === countNode)
      .flatMap(({ start, end, items }) =>
        (items as [Key, number][]).map(([key, value]) => ({
          key: label(key),
          windowStart: start,
          windowEnd: end,
          value,
        })),
      );
    const late = new Set(['a@3', 'b@29']);
    const onTime = batches
      .flatMap((batch) => batch.records)
      .filter(([key, , time]) => !late.has(`${String(key)}@${time - T}`))
      .map(([key, , time]) => ({ key: label(key), time }));
    expect(sortRows(rows)).toEqual(windowCounts(onTime, 30, 10));
    for (const node of plan.windows) {
      expect(emitted.filter((item) => item.node === node.id).length).toBeGreaterThan(2);
    }
  });

  it.each(batches.slice(0, -1).map((_, index) => index + 1))(
    'a copy restored after %i batches fires exactly what the original fires from there on',
    (after) => {
      const original: PartitionStore = new Map();
      run(original, batches.slice(0, after));
      const restored = decodeStore(plan, encodeStore(original).state);
      expect([...restored.keys()]).toEqual([...original.keys()]);
      const rest = batches.slice(after);
      const expected = run(original, rest);
      expect(run(restored, rest)).toEqual(expected);
      expect(expected.flat().length).toBeGreaterThan(0);
    },
  );

  it('the bytes are one msgpack encoding of [node, state][], and each part is measured', () => {
    const original: PartitionStore = new Map();
    run(original, batches.slice(0, 3));
    const { state, nodeBytes } = encodeStore(original);
    const list = [...original].map(([node, windows]) => [node, windows.snapshot()]);
    // The checkpoint's format: what encoding the list at once gives, byte for byte.
    expect(state).toEqual(encodePlain(list));
    expect(nodeBytes).toEqual(list.map((part) => [part[0], encodePlain(part).byteLength]));
    expect(nodeBytes.length).toBe(original.size);
    // One header byte (a fixarray) and the parts.
    expect(state.byteLength).toBe(1 + nodeBytes.reduce((sum, [, bytes]) => sum + bytes, 0));
  });

  it('restored state is independent of the original', () => {
    const original: PartitionStore = new Map();
    run(original, batches.slice(0, 3));
    const bytes = encodeStore(original).state;
    const first = decodeStore(plan, bytes);
    const second = decodeStore(plan, bytes);
    const expected = run(first, batches.slice(3));
    expect(run(second, batches.slice(3))).toEqual(expected);
    expect(run(original, batches.slice(3))).toEqual(expected);
  });

  it('restores the slot bytes a checkpoint file gives back (a Buffer inside a larger one)', () => {
    const original: PartitionStore = new Map();
    run(original, batches.slice(0, 4));
    const lz4 = selectCodecs('off').lz4;
    const file = encodeCheckpoint(
      {
        topic: 't',
        partition: 0,
        offset: toOffset(4n),
        signature: 'sig',
        slot: encodeStore(original).state,
        clock: null,
        updates: [],
        writtenAt: 0,
      },
      lz4,
    );
    const { slot } = decodeCheckpoint(file, lz4, 'x');
    const restored = decodeStore(plan, slot);
    const rest = batches.slice(4);
    expect(run(restored, rest)).toEqual(run(original, rest));
  });

  it('an empty store round-trips to an empty store', () => {
    expect(decodeStore(plan, encodeStore(new Map()).state).size).toBe(0);
  });

  it.each([
    [0, 'the source'],
    [1, 'a map'],
    [99, 'no node'],
  ])('refuses state for node %i (%s): it is no window operation of the plan', (node) => {
    const state = new FinalWindows(Windows.tumbling(10), paneOps(Aggregations.count()));
    const bytes = encodeStore(new Map([[node, state]])).state;
    expect(() => decodeStore(plan, bytes)).toThrow(
      expect.objectContaining({
        code: 'SLUICE_CHECKPOINT',
        message: `the checkpoint holds state for node ${node}, which is no window operation of this job`,
      }),
    );
  });
});

describe('encodeStore / decodeStore: session windows', () => {
  const sessions = new Plan(
    buildGraph(
      defineJob((ctx) => {
        const pairs = ctx
          .stream<[Key, number]>()
          .withWatermark(0)
          .map((r) => r.value);
        pairs.windowAggregate(Windows.session(7), Aggregations.count()).print();
        pairs
          .windowAggregate(
            Windows.session(12),
            Aggregations.of<number, number[], string>({
              empty: () => [],
              add: (acc, value) => [...acc, value],
              merge: (a, b) => [...a, ...b],
              result: (acc) => acc.join(','),
            }),
            { emit: 'update' },
          )
          .print();
      }),
      {},
    ),
  );

  it.each(batches.slice(0, -1).map((_, index) => index + 1))(
    'a copy restored after %i batches sends exactly what the original sends from there on',
    (after) => {
      const original: PartitionStore = new Map();
      run(original, batches.slice(0, after), sessions);
      expect([...original.values()].map((state) => state.constructor.name)).toEqual([
        'SessionWindows',
        'SessionWindows',
      ]);
      const restored = decodeStore(sessions, encodeStore(original).state);
      const rest = batches.slice(after);
      const expected = run(original, rest, sessions);
      expect(run(restored, rest, sessions)).toEqual(expected);
      const held = (store: PartitionStore) => [...store].map(([node, state]) => [node, state.snapshot()]);
      expect(held(restored)).toEqual(held(original));
      // Every batch but the end of input (which only closes) touches a key.
      expect(expected.flat().length).toBeGreaterThanOrEqual(rest.length - 1);
    },
  );
});
