import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defineJob } from '../../src/dsl/index.ts';
import { TestDriver, type TestRecord } from '../../src/testing/index.ts';

// The event-time interval join (inner and left outer) against a brute-force oracle: random keys,
// event times (out of order, some late), partitions of two inputs, batches, bounds, and a restart
// from a checkpoint. The oracle takes the watermark each batch ran with from the driver: which
// values are late is the watermark's business (tested with windows); what the join does with
// the others is this test's.

type L = { k: string; v: number; t: number };
type R = { k: string; w: string; t: number };
type Drawn = { readonly topic: 'left' | 'right'; readonly partition: number; readonly value: L | R };

const LATENESS = 20;

function joinJob(lowerMs: number, upperMs: number) {
  return defineJob((ctx) => {
    const left = ctx
      .stream<L>('left')
      .withWatermark(LATENESS, (record) => record.value.t)
      .map((record) => [record.value.k, record.value.v]);
    const right = ctx
      .stream<R>('right')
      .withWatermark(LATENESS, (record) => record.value.t)
      .map((record) => [record.value.k, record.value.w]);
    left.join(right, { within: [lowerMs, upperMs] }).foreachBatch(() => {});
    left.leftOuterJoin(right, { within: [lowerMs, upperMs] }).foreachBatch(() => {});
  });
}

type Arrival = { readonly batch: number; readonly record: Drawn };

/**
 * Per batch, the inner and the left outer join's rows: a pair meets in the batch of the later of
 * its two values; a left value that met none comes with null in the first batch whose watermark
 * is past t + upper (+∞ at the end of input).
 */
function oracle(
  arrivals: readonly Arrival[],
  watermarks: readonly number[],
  lower: number,
  upper: number,
): { inner: string[][]; outer: string[][] } {
  const inner: string[][] = watermarks.map(() => []);
  const outer: string[][] = watermarks.map(() => []);
  const lefts = arrivals.filter((a) => a.record.topic === 'left');
  const rights = arrivals.filter((a) => a.record.topic === 'right');
  for (const l of lefts) {
    const lv = l.record.value as L;
    let met = false;
    for (const r of rights) {
      const rv = r.record.value as R;
      if (rv.k !== lv.k || rv.t < lv.t + lower || rv.t > lv.t + upper) continue;
      const row = JSON.stringify([lv.k, [lv.v, rv.w]]);
      inner[Math.max(l.batch, r.batch)]?.push(row);
      outer[Math.max(l.batch, r.batch)]?.push(row);
      met = true;
    }
    if (met) continue;
    const evicted = watermarks.findIndex((w, batch) => batch >= l.batch && lv.t + upper < w);
    outer[evicted]?.push(JSON.stringify([lv.k, [lv.v, null]]));
  }
  return { inner: inner.map((rows) => rows.sort()), outer: outer.map((rows) => rows.sort()) };
}

const record = fc.oneof(
  fc.record({
    topic: fc.constant('left' as const),
    partition: fc.integer({ min: 0, max: 1 }),
    value: fc.record({
      k: fc.constantFrom('a', 'b', '__proto__'),
      v: fc.integer({ min: 0, max: 99 }),
      t: fc.integer({ min: 0, max: 120 }),
    }),
  }),
  fc.record({
    topic: fc.constant('right' as const),
    partition: fc.integer({ min: 0, max: 1 }),
    value: fc.record({
      k: fc.constantFrom('a', 'b', 'c'),
      w: fc.constantFrom('x', 'y', 'z'),
      t: fc.integer({ min: 0, max: 120 }),
    }),
  }),
);

const scenario = fc.record({
  batches: fc.array(fc.array(record, { maxLength: 10 }), { minLength: 1, maxLength: 6 }),
  bounds: fc
    .tuple(fc.integer({ min: -30, max: 30 }), fc.integer({ min: 0, max: 30 }))
    .map(([lower, width]) => [lower, lower + width] as const),
  restartAt: fc.integer({ min: -1, max: 5 }),
});

/** Runs the batches (restarting from a checkpoint before batch `restartAt`), then the end of input. */
async function run(
  batches: readonly (readonly Drawn[])[],
  lower: number,
  upper: number,
  restartAt: number,
): Promise<{ inner: string[][]; outer: string[][]; watermarks: number[]; late: number[][] }> {
  // Both inputs have two partitions: state partitions 0 and 1 of one layout.
  const driver = new TestDriver(joinJob(lower, upper), { partitionCount: 2 });
  const inner: string[][] = [];
  const outer: string[][] = [];
  const watermarks: number[] = [];
  const late: number[][] = [];
  for (const [index, records] of [...batches, null].entries()) {
    if (index === restartAt) driver.restart();
    const watermark = records === null ? Number.POSITIVE_INFINITY : driver.watermark;
    watermarks.push(watermark);
    const batch =
      records === null ? await driver.endOfInput() : await driver.runBatch(records as TestRecord[]);
    expect(batch.fatal).toBeUndefined();
    const lateHere = (records ?? []).flatMap((r, i) => (r.value.t < watermark ? [i] : []));
    expect(batch.late).toBe(lateHere.length);
    late.push(lateHere);
    const rows = (node: number) =>
      (batch.outputs.find((output) => output.node === node)?.values ?? [])
        .map((row) => JSON.stringify(row))
        .sort();
    const [innerNode, outerNode] = driver.plan.nodes.filter((node) => node.kind === 'intervalJoin');
    inner.push(rows((innerNode as { id: number }).id + 1));
    outer.push(rows((outerNode as { id: number }).id + 1));
  }
  return { inner, outer, watermarks, late };
}

describe('interval join against a brute-force oracle', () => {
  it('inner and left outer rows per batch equal the oracle, across a restart from a checkpoint', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ batches, bounds: [lower, upper], restartAt }) => {
        const got = await run(batches, lower, upper, restartAt);
        const arrivals = batches.flatMap((records, batch) =>
          records.filter((_, i) => !got.late[batch]?.includes(i)).map((record) => ({ batch, record })),
        );
        const expected = oracle(arrivals, got.watermarks, lower, upper);
        expect(got.inner).toEqual(expected.inner);
        expect(got.outer).toEqual(expected.outer);
        // A restart from a checkpoint changes nothing.
        if (restartAt >= 0) expect(await run(batches, lower, upper, -1)).toEqual(got);
      }),
      { numRuns: 200 },
    );
  }, 120_000);

  it('a left value met twice, a right value before it, one late, unmet ones (left outer)', async () => {
    const driver = new TestDriver(joinJob(-5, 10), { partitionCount: 1 });
    const values = (batch: { outputs: readonly { values: readonly unknown[] }[] }) =>
      batch.outputs.map((output) => output.values);
    const first = await driver.runBatch([
      { topic: 'right', value: { k: 'a', w: 'before', t: 96 } },
      { topic: 'left', value: { k: 'a', v: 1, t: 100 } },
      { topic: 'left', value: { k: 'b', v: 2, t: 100 } },
    ]);
    expect(values(first)).toEqual([[['a', [1, 'before']]], [['a', [1, 'before']]]]);
    // The least of the inputs' partitions: right's 96 - 20.
    expect(driver.watermark).toBe(76);
    const second = await driver.runBatch([
      { topic: 'right', value: { k: 'a', w: 'after', t: 110 } },
      { topic: 'right', value: { k: 'a', w: 'too late', t: 111 } },
      { topic: 'right', value: { k: 'a', w: 'late', t: 70 } },
      { topic: 'left', value: { k: 'b', v: 3, t: 200 } },
    ]);
    expect(second.late).toBe(1);
    expect(values(second)).toEqual([[['a', [1, 'after']]], [['a', [1, 'after']]]]);
    expect(driver.watermark).toBe(91);
    const third = await driver.runBatch([
      { topic: 'right', value: { k: 'z', w: 'w', t: 200 } },
      { topic: 'left', value: { k: 'c', v: 4, t: 150 } },
    ]);
    expect(values(third)).toEqual([[], []]);
    expect(driver.watermark).toBe(180);
    // Past 180: b's value at 100 (open until 110) and c's at 150 (until 160) went unmet.
    const fourth = await driver.runBatch([]);
    expect(values(fourth)).toEqual([
      [],
      [
        ['b', [2, null]],
        ['c', [4, null]],
      ],
    ]);
    const end = await driver.endOfInput();
    expect(values(end)).toEqual([[], [['b', [3, null]]]]);
  });
});

describe('interval join: the API', () => {
  const build = (make: Parameters<typeof defineJob>[0]) => () => new TestDriver(defineJob(make));
  const pairs = (ctx: Parameters<Parameters<typeof defineJob>[0]>[0], topic: string) =>
    ctx
      .stream<L>(topic)
      .withWatermark(0, (record) => record.value.t)
      .map((record) => [record.value.k, record.value.v]);

  it.each([
    [{ within: [10, 5] }, 'join: within: the lower bound 10 is past the upper bound 5'],
    [{ within: [0] }, 'join: within must be [lowerMs, upperMs]; got [0]'],
    [
      { within: [0, 1e300] },
      'join: within[1] must be an integer of milliseconds from -315360000000 to 315360000000; got 1e+300',
    ],
    [{ within: [Number.NaN, 0] }, 'within[0] must be an integer of milliseconds'],
    [
      { within: ['0', 5] },
      `within[0] must be an integer of milliseconds from -315360000000 to 315360000000; got "0"`,
    ],
    [
      JSON.parse('{"within":[0,5],"__proto__":1}'),
      'join: unknown option "__proto__"; the only option is within',
    ],
    [{ within: [0, 5], grace: 3 }, 'join: unknown option "grace"; the only option is within'],
    [null, 'join: the options must be { within: [lowerMs, upperMs] }; got null'],
  ])('refuses options %j', (options, message) => {
    const make = build((ctx) => {
      // biome-ignore lint/suspicious/noExplicitAny: the point is options the types do not catch
      pairs(ctx, 'a').join(pairs(ctx, 'b'), options as any);
    });
    expect(make).toThrow(message);
  });

  it('refuses a join without event time, after an aggregation, and of a stream with itself', () => {
    expect(
      build((ctx) => {
        const a = ctx.stream<L>('a').map((r) => [r.value.k, r.value.v]);
        a.join(pairs(ctx, 'b'), { within: [0, 1] }).print();
      }),
    ).toThrow(
      `join within [0, 1] (node 5) joins on event time: call withWatermark(allowedLatenessMs, timestamp) on both streams before the join`,
    );
    expect(
      build((ctx) => {
        pairs(ctx, 'a')
          .reduceByKey((x, y) => x + y)
          .leftOuterJoin(pairs(ctx, 'b'), { within: [0, 1] })
          .print();
      }),
    ).toThrow('leftOuterJoin within [0, 1] (node 7) must come before the first aggregation');
    expect(
      build((ctx) => {
        const a = pairs(ctx, 'a');
        a.join(a, { within: [0, 1] }).print();
      }),
    ).toThrow(
      'join: an interval join of a stream with itself needs a second stream of it: a.join(a.map((pair) => pair), options)',
    );
  });
});
