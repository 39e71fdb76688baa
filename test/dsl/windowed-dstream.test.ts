import { describe, expect, it } from 'vitest';
import type { Pair, SourceRecord } from '../../src/core/index.ts';
import { type DStream, defineJob } from '../../src/dsl/index.ts';
import { TestDriver } from '../../src/testing/index.ts';

// Spark's WindowOperationsSuite, batch by batch: batch i has time (i + 1) s, windows and slides
// are whole seconds, and the values are dealt over partitions 0 and 1 in turn.

/** What an output got in a batch where it was not called (Spark's windowed DStream has no RDD then). */
const NO_BATCH = 'no batch';
type Seen = readonly unknown[] | typeof NO_BATCH;

type Output = <T>(name: string, stream: DStream<T>) => void;

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const order = compare(a[i], b[i]);
      if (order !== 0) return order;
    }
    return a.length - b.length;
  }
  return String(a).localeCompare(String(b));
}

/**
 * Runs the job `build` defines over `batches` (and the end of input when asked); per named output,
 * its values in each batch, sorted (partitions merge in any order), or NO_BATCH.
 */
async function run<V>(
  batches: readonly (readonly V[])[],
  build: (input: DStream<SourceRecord<V>>, output: Output) => void,
  options: { readonly endOfInput?: boolean } = {},
): Promise<Record<string, Seen[]>> {
  const seen = new Map<string, Map<number, readonly unknown[]>>();
  const job = defineJob((ctx) => {
    build(ctx.stream<V>(), (name, stream) => {
      const byBatch = new Map<number, readonly unknown[]>();
      seen.set(name, byBatch);
      stream.foreachBatch((values, info) => {
        byBatch.set(info.batchId, [...values].sort(compare));
      });
    });
  });
  const driver = new TestDriver(job, { intervalMs: 1000, partitions: [0, 1] });
  for (const [batchId, values] of batches.entries()) {
    const batch = await driver.runBatch(values.map((value, i) => ({ partition: (batchId + i) % 2, value })));
    expect(batch.fatal).toBeUndefined();
  }
  if (options.endOfInput) await driver.endOfInput();
  const count = batches.length + (options.endOfInput ? 1 : 0);
  return Object.fromEntries(
    [...seen].map(([name, byBatch]) => [
      name,
      Array.from({ length: count }, (_, batchId) => byBatch.get(batchId) ?? NO_BATCH),
    ]),
  );
}

const values = <V>(input: DStream<SourceRecord<V>>): DStream<V> => input.map((record) => record.value);
const add = (a: number, b: number): number => a + b;
const subtract = (a: number, b: number): number => a - b;

type KV = Pair<string, number>;
const pairs = (input: DStream<SourceRecord<KV>>): DStream<KV> => input.map((record) => record.value);

const bigInput: KV[][] = [
  [['a', 1]],
  [
    ['a', 1],
    ['b', 1],
  ],
  [
    ['a', 1],
    ['b', 1],
    ['c', 1],
  ],
  [
    ['a', 1],
    ['b', 1],
  ],
  [['a', 1]],
  [],
  [['a', 1]],
  [
    ['a', 1],
    ['b', 1],
  ],
  [
    ['a', 1],
    ['b', 1],
    ['c', 1],
  ],
  [
    ['a', 1],
    ['b', 1],
  ],
  [['a', 1]],
  [],
];

/** Spark's bigReduceOutput (window 2 s, slide 1 s). */
const bigReduceOutput: Seen[] = [
  [['a', 1]],
  [
    ['a', 2],
    ['b', 1],
  ],
  [
    ['a', 2],
    ['b', 2],
    ['c', 1],
  ],
  [
    ['a', 2],
    ['b', 2],
    ['c', 1],
  ],
  [
    ['a', 2],
    ['b', 1],
  ],
  [['a', 1]],
  [['a', 1]],
  [
    ['a', 2],
    ['b', 1],
  ],
  [
    ['a', 2],
    ['b', 2],
    ['c', 1],
  ],
  [
    ['a', 2],
    ['b', 2],
    ['c', 1],
  ],
  [
    ['a', 2],
    ['b', 1],
  ],
  [['a', 1]],
];

/** Spark's largerSlideInput: window 4 s, slide 2 s, so a window every other batch. */
const largerSlideInput: KV[][] = [
  [['a', 1]],
  [['a', 2]],
  [['a', 3]],
  [['a', 4]],
  [['a', 5]],
  [['a', 6]],
  [],
  [],
];

describe('reduceByKeyAndWindow', () => {
  it('without invFn: a key removed from the window disappears, an empty window is an empty batch', async () => {
    const input: KV[][] = [[['a', 1]], [['a', 1]], [], []];
    const out = await run(input, (input, output) => {
      output('reduced', pairs(input).reduceByKeyAndWindow(add, 2000, 1000));
    });
    expect(out.reduced).toEqual([[['a', 1]], [['a', 2]], [['a', 1]], []]);
  });

  it("without and with invFn: Spark's big test, keys with no records left dropped", async () => {
    const out = await run(bigInput, (input, output) => {
      output('plain', pairs(input).reduceByKeyAndWindow(add, 2000, 1000));
      output('inverse', pairs(input).reduceByKeyAndWindow(add, subtract, 2000, 1000));
    });
    expect(out.plain).toEqual(bigReduceOutput);
    // Spark keeps ("c", 0) and ("b", 0) here unless a filterFn drops them; the records are gone.
    expect(out.inverse).toEqual(bigReduceOutput);
  });

  it('with invFn and filterFn: the filter drops more pairs, the batch stays', async () => {
    const out = await run(bigInput, (input, output) => {
      output(
        'filtered',
        pairs(input).reduceByKeyAndWindow(add, subtract, 2000, 1000, ([, count]) => count >= 2),
      );
    });
    expect(out.filtered).toEqual([
      [],
      [['a', 2]],
      [
        ['a', 2],
        ['b', 2],
      ],
      [
        ['a', 2],
        ['b', 2],
      ],
      [['a', 2]],
      [],
      [],
      [['a', 2]],
      [
        ['a', 2],
        ['b', 2],
      ],
      [
        ['a', 2],
        ['b', 2],
      ],
      [['a', 2]],
      [],
    ]);
  });

  it("larger slide: Spark's largerSlideReduceOutput, with no batch between slide times", async () => {
    const out = await run(largerSlideInput, (input, output) => {
      output('plain', pairs(input).reduceByKeyAndWindow(add, 4000, 2000));
      output('inverse', pairs(input).reduceByKeyAndWindow(add, subtract, 4000, 2000));
      output(
        'after',
        pairs(input)
          .reduceByKeyAndWindow(add, 4000, 2000)
          .map(([key, sum]) => `${key}=${sum}`),
      );
      output('unwindowed', pairs(input).count());
    });
    const expected: Seen[] = [
      NO_BATCH,
      [['a', 3]],
      NO_BATCH,
      [['a', 10]],
      NO_BATCH,
      [['a', 18]],
      NO_BATCH,
      [['a', 11]],
    ];
    expect(out.plain).toEqual(expected);
    expect(out.inverse).toEqual(expected);
    expect(out.after).toEqual([
      NO_BATCH,
      ['a=3'],
      NO_BATCH,
      ['a=10'],
      NO_BATCH,
      ['a=18'],
      NO_BATCH,
      ['a=11'],
    ]);
    expect(out.unwindowed).toEqual([[1], [1], [1], [1], [1], [1], [0], [0]]);
  });
});

describe('countByWindow', () => {
  it("Spark's countByWindow test: [0] for the empty window", async () => {
    const out = await run([[1], [1], [1, 2], [0], [], []], (input, output) => {
      output('counts', input.countByWindow(2000, 1000));
    });
    expect(out.counts).toEqual([[1], [2], [3], [3], [1], [0]]);
  });

  it('slide 2 s: [0] at a slide time whose window is empty, no batch at the others', async () => {
    const out = await run(
      ['x', 'yz', '', '', '', '', 'w', ''].map((text) => [...text]),
      (input, output) => {
        output('counts', input.countByWindow(4000, 2000));
      },
    );
    // Windows [−2 s, 2 s), [0, 4 s), [2 s, 6 s), [4 s, 8 s) at batches 1, 3, 5, 7.
    expect(out.counts).toEqual([NO_BATCH, [3], NO_BATCH, [3], NO_BATCH, [0], NO_BATCH, [1]]);
  });

  it('the end of input flushes every window still open, oldest first', async () => {
    const out = await run(
      [[], ['a'], ['b', 'c'], [], ['d']],
      (input, output) => {
        output('counts', input.countByWindow(4000, 2000));
        output(
          'ordered',
          input.countByWindow(4000, 2000).transform((counts) => [counts.join(' ')]),
        );
      },
      { endOfInput: true },
    );
    // The end (6 s) fires [2 s, 6 s) = 3 as any batch would, and [4 s, 8 s) = 1 two seconds early.
    expect(out.counts).toEqual([NO_BATCH, [1], NO_BATCH, [3], NO_BATCH, [1, 3]]);
    expect(out.ordered).toEqual([NO_BATCH, ['1'], NO_BATCH, ['3'], NO_BATCH, ['3 1']]);
  });
});

describe('reduceByWindow', () => {
  const input = [[1, 2], [3], [], [4, 5], [], [], []];

  it('sum with and without invFn over 3 s sliding by 1 s; an empty window is an empty batch', async () => {
    const out = await run(input, (input, output) => {
      output('plain', values(input).reduceByWindow(add, 3000, 1000));
      output('inverse', values(input).reduceByWindow(add, subtract, 3000, 1000));
    });
    const expected: Seen[] = [[3], [6], [6], [12], [9], [9], []];
    expect(out.plain).toEqual(expected);
    expect(out.inverse).toEqual(expected);
  });

  it('max, which has no inverse, over 3 s sliding by 1 s and tumbling 2 s', async () => {
    const out = await run(input, (input, output) => {
      output('sliding', values(input).reduceByWindow(Math.max, 3000, 1000));
      output('tumbling', values(input).reduceByWindow(Math.max, 2000, 2000));
    });
    expect(out.sliding).toEqual([[2], [3], [3], [5], [5], [5], []]);
    expect(out.tumbling).toEqual([NO_BATCH, [3], NO_BATCH, [5], NO_BATCH, [], NO_BATCH]);
  });
});

describe('countByValueAndWindow', () => {
  it("Spark's countByValueAndWindow test, then the values leave the window", async () => {
    const out = await run([['a'], ['b', 'b'], ['a', 'b'], [], []], (input, output) => {
      output('counts', values(input).countByValueAndWindow(2000, 1000));
    });
    expect(out.counts).toEqual([
      [['a', 1]],
      [
        ['a', 1],
        ['b', 2],
      ],
      [
        ['a', 1],
        ['b', 3],
      ],
      [
        ['a', 1],
        ['b', 1],
      ],
      [],
    ]);
  });
});

describe('window', () => {
  const input = [[0], [1], [2], [3], [4], [5]];

  it("Spark's basic window (2 s, 1 s)", async () => {
    const out = await run(input, (input, output) => {
      output('window', values(input).window(2000, 1000));
    });
    expect(out.window).toEqual([[0], [0, 1], [1, 2], [2, 3], [3, 4], [4, 5]]);
  });

  it("Spark's tumbling window (2 s, 2 s)", async () => {
    const out = await run(input, (input, output) => {
      output('window', values(input).window(2000, 2000));
      output('default slide', values(input).window(2000));
    });
    expect(out.window).toEqual([NO_BATCH, [0, 1], NO_BATCH, [2, 3], NO_BATCH, [4, 5]]);
    expect(out['default slide']).toEqual(out.window);
  });

  it("Spark's larger window (4 s, 2 s), over two more empty batches", async () => {
    const out = await run([...input, [], []], (input, output) => {
      output('window', values(input).window(4000, 2000));
    });
    expect(out.window).toEqual([
      NO_BATCH,
      [0, 1],
      NO_BATCH,
      [0, 1, 2, 3],
      NO_BATCH,
      [2, 3, 4, 5],
      NO_BATCH,
      [4, 5],
    ]);
  });

  it('several values per batch on both partitions, and what follows the window', async () => {
    const out = await run([[1, 2, 3], [], [4, 5], [6]], (input, output) => {
      const windowed = values(input).window(2000, 1000);
      output('window', windowed);
      output(
        'doubled',
        windowed.map((n) => n * 2),
      );
      output('count', windowed.count());
    });
    expect(out.window).toEqual([
      [1, 2, 3],
      [1, 2, 3],
      [4, 5],
      [4, 5, 6],
    ]);
    expect(out.doubled).toEqual([
      [2, 4, 6],
      [2, 4, 6],
      [8, 10],
      [8, 10, 12],
    ]);
    expect(out.count).toEqual([[3], [3], [2], [3]]);
  });
});
