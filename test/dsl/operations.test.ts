import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { BatchInfo, SourceRecord } from '../../src/core/index.ts';
import { buildGraph, defineJob } from '../../src/dsl/index.ts';
import { ErrorCode, SluiceError } from '../../src/errors/index.ts';
import { TestDriver } from '../../src/testing/index.ts';

type Line = SourceRecord<string>;

function values(batch: Awaited<ReturnType<TestDriver['runBatch']>>, output = 0): readonly unknown[] {
  const found = batch.outputs[output];
  if (!found) throw new Error(`no output ${output}`);
  return found.values;
}

const lines = (...texts: [number, string][]) => texts.map(([partition, value]) => ({ partition, value }));

describe('narrow operations (worker side)', () => {
  it('map, filter, flatMap, keyBy, mapValues', async () => {
    const driver = new TestDriver(
      defineJob((ctx) => {
        const words = ctx
          .stream<string>()
          .map((r: Line) => r.value.toLowerCase())
          .flatMap((line) => line.split(' '))
          .filter((word) => word.length > 1);
        words.foreachBatch(() => {});
        words
          .keyBy((word) => word[0])
          .mapValues((word) => word.length)
          .foreachBatch(() => {});
      }),
    );
    const batch = await driver.runBatch(lines([0, 'A bb Ccc'], [1, 'dd e'], [0, 'ff']));
    expect(values(batch, 0)).toEqual(['bb', 'ccc', 'ff', 'dd']);
    expect(values(batch, 1)).toEqual([
      ['b', 2],
      ['c', 3],
      ['f', 2],
      ['d', 2],
    ]);
  });

  it('union concatenates both parents per partition', async () => {
    const driver = new TestDriver(
      defineJob((ctx) => {
        const input = ctx.stream<number>().map((r) => r.value as number);
        input
          .map((n) => n * 10)
          .union(input.filter((n) => n > 1))
          .print();
      }),
    );
    const batch = await driver.runBatch([{ value: 1 }, { value: 2 }]);
    expect(values(batch)).toEqual([10, 20, 2]);
  });

  it('transform before an aggregation sees one partition, after one the merged batch', async () => {
    const seen: number[][] = [];
    const driver = new TestDriver(
      defineJob((ctx) => {
        ctx
          .stream<number>()
          .map((r) => r.value as number)
          .transform((batch, info) => {
            seen.push([...batch]);
            return [batch.reduce((a, b) => a + b, 0) + info.batchId];
          })
          .count()
          .transform((counts) => counts.map((n) => n * 100))
          .print();
      }),
    );
    const batch = await driver.runBatch([
      { partition: 0, value: 1 },
      { partition: 1, value: 2 },
      { partition: 0, value: 3 },
    ]);
    expect(seen).toEqual([[1, 3], [2]]);
    expect(values(batch)).toEqual([200]);
  });
});

describe('aggregations (partials merged on the main thread)', () => {
  const wordCount = defineJob((ctx) => {
    const words = ctx.stream<string>().flatMap((r: Line) => r.value.split(' '));
    words
      .map((w) => [w, 1] as [string, number])
      .reduceByKey((a, b) => a + b)
      .print();
    words.countByValue().print();
    words.count().print();
    words.reduce((a, b) => (a.localeCompare(b) > 0 ? a : b)).print();
  });

  it('reduceByKey, countByValue, count and reduce over several partitions', async () => {
    const driver = new TestDriver(wordCount);
    const batch = await driver.runBatch(lines([0, 'a b a'], [1, 'b c'], [2, 'a'], [1, 'c c']));
    const expectedCounts = [
      ['a', 3],
      ['b', 2],
      ['c', 3],
    ];
    expect(values(batch, 0)).toEqual(expectedCounts);
    expect(values(batch, 1)).toEqual(expectedCounts);
    expect(values(batch, 2)).toEqual([8]);
    expect(values(batch, 3)).toEqual(['c']);
  });

  it('gives count 0 and no reduce value for an empty batch', async () => {
    const driver = new TestDriver(wordCount);
    const batch = await driver.runBatch([]);
    expect(batch.outputs.map((output) => output.values)).toEqual([[], [], [0], []]);
  });

  it('keys objects by their JSON, keeping the first original key', async () => {
    const driver = new TestDriver(
      defineJob((ctx) => {
        ctx
          .stream()
          .map((r) => r.value as { k: { id: number } })
          .map((v) => [v.k, 1] as [{ id: number }, number])
          .reduceByKey((a, b) => a + b)
          .print();
      }),
    );
    const batch = await driver.runBatch([
      { partition: 0, value: { k: { id: 1 } } },
      { partition: 1, value: { k: { id: 1 } } },
      { partition: 1, value: { k: { id: 2 } } },
    ]);
    expect(values(batch)).toEqual([
      [{ id: 1 }, 2],
      [{ id: 2 }, 1],
    ]);
  });

  it('runs operators after an aggregation on the merged result', async () => {
    const driver = new TestDriver(
      defineJob((ctx) => {
        ctx
          .stream<string>()
          .map((r: Line) => r.value)
          .countByValue()
          .filter(([, n]) => n > 1)
          .map(([word, n]) => `${word}=${n}`)
          .print();
      }),
    );
    const batch = await driver.runBatch(lines([0, 'x'], [1, 'x'], [1, 'y']));
    expect(values(batch)).toEqual(['x=2']);
  });

  it('numbers batches and gives each its interval and offset ranges', async () => {
    const infos: BatchInfo[] = [];
    const driver = new TestDriver(
      defineJob((ctx) => {
        ctx
          .stream()
          .count()
          .foreachBatch((_values, info) => {
            infos.push(info);
          });
      }),
      { intervalMs: 500, startTime: 10_000, topic: 'clicks' },
    );
    await driver.runBatch([
      { partition: 1, value: 1 },
      { partition: 0, value: 1 },
      { partition: 1, value: 1 },
    ]);
    await driver.runBatch([{ partition: 1, value: 1 }]);
    expect(infos).toEqual([
      {
        batchId: 0,
        time: 10_500,
        intervalMs: 500,
        offsetRanges: [
          { topic: 'clicks', partition: 0, fromOffset: 0n, untilOffset: 1n },
          { topic: 'clicks', partition: 1, fromOffset: 0n, untilOffset: 2n },
        ],
      },
      {
        batchId: 1,
        time: 11_000,
        intervalMs: 500,
        offsetRanges: [{ topic: 'clicks', partition: 1, fromOffset: 2n, untilOffset: 3n }],
      },
    ]);
  });
});

describe('bad input', () => {
  const sumOfN = defineJob((ctx) => {
    ctx
      .stream()
      .map((r) => {
        const n = (r.value as { n?: unknown }).n;
        if (typeof n !== 'number')
          throw new SluiceError(ErrorCode.decode, `field n is not a number: ${JSON.stringify(n)}`);
        return n;
      })
      .reduce((a, b) => a + b)
      .print();
  });
  const input = [
    { partition: 0, bytes: '{"n":1}' },
    { partition: 0, bytes: '{"n":' },
    { partition: 0, bytes: '{"n":"2"}' },
    { partition: 0, bytes: '{"n":4}' },
  ];

  it('fail: the batch stops with the origin of the first bad record', async () => {
    const batch = await new TestDriver(sumOfN, { topic: 't' }).runBatch(input);
    expect(batch.outputs).toEqual([]);
    expect(batch.fatal?.code).toBe('SLUICE_DECODE');
    expect(batch.fatal?.message).toMatch(/^cannot decode record at topic t, partition 0, offset 1: /);
  });

  it('skip: bad records are counted and sampled, good ones aggregated', async () => {
    const batch = await new TestDriver(sumOfN, { topic: 't', decodePolicy: 'skip' }).runBatch(input);
    expect(values(batch)).toEqual([5]);
    expect(batch.decodeErrors).toBe(2);
    expect(batch.failures.map((f) => [f.offset, f.error])).toEqual([
      [1n, expect.stringMatching(/JSON/)],
      [2n, 'field n is not a number: "2"'],
    ]);
  });

  it('dlq: bad records come back with their original bytes', async () => {
    const batch = await new TestDriver(sumOfN, { topic: 't', decodePolicy: 'dlq' }).runBatch(input);
    expect(values(batch)).toEqual([5]);
    expect(batch.failures.map((f) => [f.offset, Buffer.from(f.value ?? []).toString()])).toEqual([
      [1n, '{"n":'],
      [2n, '{"n":"2"}'],
    ]);
  });

  it('a user function that throws anything else fails the batch, naming the record', async () => {
    const job = defineJob((ctx) => {
      ctx
        .stream()
        .map((r) => {
          if (r.offset === 1n) throw new TypeError('boom');
          return 1;
        })
        .print();
    });
    const batch = await new TestDriver(job, { topic: 't', decodePolicy: 'skip' }).runBatch([
      { value: 1 },
      { value: 2 },
    ]);
    expect(batch.fatal).toEqual({
      code: 'SLUICE_USER_FUNCTION',
      // The first frame in the job's own code (here this file), not Sluice's.
      message: `boom (at topic t, partition 0, offset 1; thrown at ${fileURLToPath(import.meta.url)}:244:38)`,
    });
  });
});

describe('job graphs', () => {
  it('have a signature naming every node, its parents and sinks', () => {
    const graph = buildGraph(
      defineJob((ctx) => {
        const s = ctx.stream();
        s.map((r) => r.value)
          .countByValue()
          .print(5);
        s.count().saveAsTextFiles('/tmp/x');
      }),
      {},
    );
    expect(graph.signature()).toBe(
      '0:source() 1:map(0) 2:countByValue(1) 3:output:print(2) 4:count(0) 5:output:saveAsTextFiles(4)',
    );
  });

  it('must define an output', () => {
    expect(() =>
      buildGraph(
        defineJob((ctx) => void ctx.stream().map((r) => r)),
        {},
      ),
    ).toThrow('the job defines no output: end a stream with print, foreachBatch, saveAsTextFiles or toKafka');
  });
});
