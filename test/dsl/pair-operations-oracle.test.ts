import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildGraph, defineJob, Plan } from '../../src/dsl/index.ts';
import { TestDriver, type TestRecord } from '../../src/testing/index.ts';

// Spark's pair operations per batch (join, the outer joins, cogroup, groupByKey, combineByKey,
// flatMapValues, transformWith) against brute-force oracles: random keys (a few, so that they
// meet), values and partitions of two inputs, over several batches.

type L = { k: string; v: number };
type R = { k: string; w: string };

const OPERATIONS = [
  'join',
  'leftOuterJoin',
  'rightOuterJoin',
  'fullOuterJoin',
  'cogroup',
  'groupByKey',
  'combineByKey',
  'flatMapValues',
  'transformWith',
  'join after reduceByKey',
] as const;

const job = defineJob((ctx) => {
  const left = ctx.stream<L>('left').map((record) => [record.value.k, record.value.v]);
  const right = ctx.stream<R>('right').map((record) => [record.value.k, record.value.w]);
  left.join(right).foreachBatch(() => {});
  left.leftOuterJoin(right).foreachBatch(() => {});
  left.rightOuterJoin(right).foreachBatch(() => {});
  left.fullOuterJoin(right).foreachBatch(() => {});
  left.cogroup(right).foreachBatch(() => {});
  left.groupByKey().foreachBatch(() => {});
  left
    .combineByKey(
      (v) => ({ n: 1, sum: v }),
      (c, v) => ({ n: c.n + 1, sum: c.sum + v }),
      (a, b) => ({ n: a.n + b.n, sum: a.sum + b.sum }),
    )
    .foreachBatch(() => {});
  left.flatMapValues((v) => (v % 2 === 0 ? [v, -v] : [])).foreachBatch(() => {});
  left.transformWith(right, (ls, rs) => [ls.length * 1000 + rs.length]).foreachBatch(() => {});
  // Mixed: an aggregation's result (main thread) joined with a stream (slots).
  left
    .reduceByKey((a, b) => a + b)
    .join(right)
    .foreachBatch(() => {});
});

/** The oracle of each operation for one batch's pairs. */
function oracle(ls: [string, number][], rs: [string, string][]): unknown[][] {
  const keys = (pairs: [string, unknown][]) => [...new Set(pairs.map(([k]) => k))];
  const of = <V>(pairs: [string, V][], key: string) => pairs.filter(([k]) => k === key).map(([, v]) => v);
  const allKeys = [...new Set([...keys(ls), ...keys(rs)])];
  const cross = (key: string, a: unknown[], b: unknown[]) => a.flatMap((x) => b.map((y) => [key, [x, y]]));
  const orNull = (values: unknown[]) => (values.length === 0 ? [null] : values);
  const sums = new Map<string, number>();
  for (const [k, v] of ls) sums.set(k, (sums.get(k) ?? 0) + v);
  return [
    allKeys.flatMap((k) => cross(k, of(ls, k), of(rs, k))),
    keys(ls).flatMap((k) => cross(k, of(ls, k), orNull(of(rs, k)))),
    keys(rs).flatMap((k) => cross(k, orNull(of(ls, k)), of(rs, k))),
    allKeys.flatMap((k) => cross(k, orNull(of(ls, k)), orNull(of(rs, k)))),
    allKeys.map((k) => [k, [sorted(of(ls, k)), sorted(of(rs, k))]]),
    keys(ls).map((k) => [k, sorted(of(ls, k))]),
    keys(ls).map((k) => [k, { n: of(ls, k).length, sum: of(ls, k).reduce((a, b) => a + b, 0) }]),
    ls.flatMap(([k, v]) =>
      v % 2 === 0
        ? [
            [k, v],
            [k, -v],
          ]
        : [],
    ),
    [ls.length * 1000 + rs.length],
    [...sums].flatMap(([k, sum]) => of(rs, k).map((w) => [k, [sum, w]])),
  ];
}

const sorted = (values: unknown[]) =>
  [...values].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

/** A batch's rows in a comparable order, a cogroup's and groupByKey's values sorted within their key. */
function normal(rows: readonly unknown[], operation: (typeof OPERATIONS)[number]): string[] {
  return rows
    .map((row) => {
      if (operation === 'cogroup') {
        const [k, [a, b]] = row as [string, [unknown[], unknown[]]];
        return JSON.stringify([k, [sorted(a), sorted(b)]]);
      }
      if (operation === 'groupByKey') {
        const [k, values] = row as [string, unknown[]];
        return JSON.stringify([k, sorted(values)]);
      }
      return JSON.stringify(row);
    })
    .sort();
}

const batches = fc.array(
  fc.array(
    fc.oneof(
      fc.record({
        topic: fc.constant('left'),
        partition: fc.integer({ min: 0, max: 2 }),
        value: fc.record({
          k: fc.constantFrom('a', 'b', 'c', '__proto__'),
          v: fc.integer({ min: -5, max: 5 }),
        }),
      }),
      fc.record({
        topic: fc.constant('right'),
        partition: fc.integer({ min: 0, max: 2 }),
        value: fc.record({
          k: fc.constantFrom('a', 'b', 'd', '__proto__'),
          w: fc.constantFrom('x', 'y', 'z'),
        }),
      }),
    ),
    { maxLength: 12 },
  ),
  { minLength: 1, maxLength: 4 },
);

describe('pair operations per batch against brute-force oracles', () => {
  it('every operation emits exactly the oracle of each batch', async () => {
    await fc.assert(
      fc.asyncProperty(batches, async (drawn) => {
        const driver = new TestDriver(job);
        for (const records of drawn) {
          const batch = await driver.runBatch(records as TestRecord[]);
          const ls = records.flatMap((r) =>
            r.topic === 'left' ? [[(r.value as L).k, (r.value as L).v]] : [],
          );
          const rs = records.flatMap((r) =>
            r.topic === 'right' ? [[(r.value as R).k, (r.value as R).w]] : [],
          );
          const expected = oracle(ls as [string, number][], rs as [string, string][]);
          for (const [index, operation] of OPERATIONS.entries()) {
            const got =
              batch.outputs.find((output) => output.node === batch.outputs[index]?.node)?.values ?? [];
            expect(normal(got, operation), operation).toEqual(normal(expected[index] ?? [], operation));
          }
        }
      }),
      { numRuns: 300 },
    );
  }, 60_000);
});

describe('pair operations: the API', () => {
  it('the plan lists the joins of two inputs, not those of one input with itself', () => {
    const plan = new Plan(
      buildGraph(
        defineJob((ctx) => {
          const a = ctx.stream('a').map((r) => [r.key, r.value]);
          const b = ctx.stream('b').map((r) => [r.key, r.value]);
          a.join(b).print();
          a.join(a.mapValues((v) => v)).print();
          a.union(b)
            .transformWith(b, (x) => x)
            .print();
        }),
        {},
      ),
    );
    expect(plan.joins.map((node) => [node.id, node.kind])).toEqual([
      [4, 'cogroup'],
      [10, 'transformWith'],
    ]);
  });

  it('refuses a stream of another job', () => {
    let other: unknown;
    defineJob((ctx) => {
      other = ctx.stream();
    }).build({ env: {}, stream: () => other as never, table: () => undefined as never });
    const job2 = defineJob((ctx) => {
      const mine = ctx.stream().map((r) => [r.key, r.value]);
      // biome-ignore lint/suspicious/noExplicitAny: the point is a stream the types do not catch
      mine.join(other as any).print();
    });
    expect(() => new TestDriver(job2)).toThrow('join: the other stream must come from the same job');
  });

  it('windowed streams join per batch: a.window(2 s, 1 s).join(b.window(2 s, 1 s))', async () => {
    const windowed = defineJob((ctx) => {
      const a = ctx.stream<L>('left').map((r) => [r.value.k, r.value.v]);
      const b = ctx.stream<R>('right').map((r) => [r.value.k, r.value.w]);
      a.window(2000, 1000)
        .join(b.window(2000, 1000))
        .foreachBatch(() => {});
    });
    const driver = new TestDriver(windowed, { intervalMs: 1000 });
    const first = await driver.runBatch([
      { topic: 'left', value: { k: 'a', v: 1 } },
      { topic: 'right', value: { k: 'a', w: 'x' } },
    ]);
    expect(first.outputs[0]?.values).toEqual([['a', [1, 'x']]]);
    // One second on, both windows still hold the first batch, and now the second's.
    const second = await driver.runBatch([{ topic: 'right', value: { k: 'a', w: 'y' } }]);
    expect(normal(second.outputs[0]?.values ?? [], 'join')).toEqual(
      normal(
        [
          ['a', [1, 'x']],
          ['a', [1, 'y']],
        ],
        'join',
      ),
    );
    // Two seconds on, the first batch has left both windows.
    const third = await driver.runBatch([]);
    expect(third.outputs[0]?.values ?? []).toEqual([]);
  });
});

describe('windowed pair operations against brute-force oracles', () => {
  // Windows of 3 s sliding by 1 s over 1 s batches: batch i's rows join batches i-2..i of both sides.
  const windowedJob = defineJob((ctx) => {
    const a = ctx.stream<L>('left').map((r) => [r.value.k, r.value.v]);
    const b = ctx.stream<R>('right').map((r) => [r.value.k, r.value.w]);
    const [wa, wb] = [a.window(3000, 1000), b.window(3000, 1000)];
    wa.join(wb).foreachBatch(() => {});
    wa.leftOuterJoin(wb).foreachBatch(() => {});
    wa.rightOuterJoin(wb).foreachBatch(() => {});
    wa.fullOuterJoin(wb).foreachBatch(() => {});
    wa.cogroup(wb).foreachBatch(() => {});
  });
  const WINDOWED = OPERATIONS.slice(0, 5);

  it('each batch emits the oracle of the last three batches joined', async () => {
    await fc.assert(
      fc.asyncProperty(batches, async (drawn) => {
        const driver = new TestDriver(windowedJob, { intervalMs: 1000 });
        const rounds = [...drawn, [], [], []];
        for (const [index, records] of rounds.entries()) {
          const batch = await driver.runBatch(records as TestRecord[]);
          const inWindow = rounds.slice(Math.max(0, index - 2), index + 1).flat();
          const ls = inWindow.flatMap((r) =>
            r.topic === 'left' ? [[(r.value as L).k, (r.value as L).v]] : [],
          );
          const rs = inWindow.flatMap((r) =>
            r.topic === 'right' ? [[(r.value as R).k, (r.value as R).w]] : [],
          );
          const expected = oracle(ls as [string, number][], rs as [string, string][]);
          for (const [position, operation] of WINDOWED.entries()) {
            const node = driver.plan.nodes.filter((n) => n.kind === 'output')[position]?.id;
            const got = batch.outputs.find((output) => output.node === node)?.values ?? [];
            expect(normal(got, operation), `${operation} in batch ${index}`).toEqual(
              normal(expected[position] ?? [], operation),
            );
          }
        }
      }),
      { numRuns: 150 },
    );
  }, 60_000);
});
