import { describe, expect, it } from 'vitest';
import type { SourceRecord } from '../../src/core/index.ts';
import { type DStream, defineJob } from '../../src/dsl/index.ts';
import { TestDriver } from '../../src/testing/index.ts';
import { Aggregations, Windows } from '../../src/window/index.ts';

// `map(async …)` used to hand the Promise on as the value: every key became `{}`, every filter
// passed. Operators are synchronous; an async function fails at once, naming its operator.

const SYNCHRONOUS =
  'operators are synchronous; make the function synchronous, call it with mapAsync or filterAsync, or do asynchronous work in foreachBatch';

type Click = { readonly url: string };

/** The fatal result of one batch of two clicks through `build`, with the decode policy `skip`. */
async function fatalOf(build: (input: DStream<SourceRecord<Click>>) => DStream<unknown>): Promise<unknown> {
  const job = defineJob((ctx) => {
    build(ctx.stream<Click>()).foreachBatch(() => {});
  });
  const driver = new TestDriver(job, { decodePolicy: 'skip' });
  const batch = await driver.runBatch([{ value: { url: '/a' } }, { value: { url: '/b' } }]);
  expect(batch.decodeErrors).toBe(0);
  return batch.fatal;
}

const at = '(at topic input, partition 0, offset 0)';

describe('an operator whose function is asynchronous', () => {
  const cases: [string, (input: DStream<SourceRecord<Click>>) => DStream<unknown>][] = [
    ['map (node 1)', (input) => input.map(async (record) => record.value.url)],
    ['filter (node 1)', (input) => input.filter((async () => true) as unknown as () => boolean)],
    ['keyBy (node 1)', (input) => input.keyBy(async (record) => record.value.url)],
    [
      'mapValues (node 2)',
      (input) => input.map((record) => [record.value.url, 1] as const).mapValues(async (one) => one),
    ],
    [
      'withWatermark (node 1)',
      (input) =>
        input
          .withWatermark(0, (async () => 0) as unknown as () => number)
          .map((record): [string, number] => [record.value.url, 1])
          .windowAggregate(Windows.tumbling(1000), Aggregations.count()),
    ],
    // Any thenable, not only a Promise.
    // biome-ignore lint/suspicious/noThenProperty: the thenable is what this case returns
    ['map (node 1)', (input) => input.map(() => ({ then: () => {} }))],
  ];
  for (const [operator, build] of cases) {
    it(`${operator} fails the batch with SLUICE_USER_FUNCTION, whatever the decode policy`, async () => {
      expect(await fatalOf(build)).toEqual({
        code: 'SLUICE_USER_FUNCTION',
        message: `${operator} returned a Promise: ${SYNCHRONOUS} ${at}`,
      });
    });
  }

  it('flatMap over an async generator fails the same way', async () => {
    expect(
      await fatalOf((input) =>
        input.flatMap(async function* (record: SourceRecord<Click>) {
          yield record.value.url;
        } as unknown as (record: SourceRecord<Click>) => Iterable<string>),
      ),
    ).toEqual({
      code: 'SLUICE_USER_FUNCTION',
      message: `flatMap (node 1) returned an async iterable: ${SYNCHRONOUS} ${at}`,
    });
  });

  it('reduceByKey and a user window aggregation are checked in the slots too', async () => {
    const pairs = (input: DStream<SourceRecord<Click>>) =>
      input.map((record): [string, number] => [record.value.url, 1]);
    expect(
      await fatalOf((input) =>
        input
          .map((): [string, number] => ['one key', 1])
          .reduceByKey(
            (async (a: number, b: number) => a + b) as unknown as (a: number, b: number) => number,
          ),
      ),
    ).toEqual({
      code: 'SLUICE_USER_FUNCTION',
      message: `reduceByKey (node 2) returned a Promise: ${SYNCHRONOUS} (at topic input, partition 0, offset 1)`,
    });
    expect(
      await fatalOf((input) =>
        pairs(input).windowAggregate(
          Windows.tumbling(1000),
          Aggregations.of<number, number, number>({
            empty: () => 0,
            add: (async (acc: number, one: number) => acc + one) as unknown as (
              acc: number,
              one: number,
            ) => number,
            merge: (a, b) => a + b,
          }),
        ),
      ),
    ).toEqual({
      code: 'SLUICE_USER_FUNCTION',
      message: `windowAggregate (node 2) returned a Promise: ${SYNCHRONOUS} ${at}`,
    });
  });

  it('on the main thread (after an aggregation) the batch fails with SLUICE_USER_FUNCTION', async () => {
    const job = defineJob((ctx) => {
      ctx
        .stream<Click>()
        .map((record) => record.value.url)
        .countByValue()
        .map(async (pair) => pair)
        .foreachBatch(() => {});
    });
    await expect(new TestDriver(job).runBatch([{ value: { url: '/a' } }])).rejects.toThrow(
      expect.objectContaining({
        code: 'SLUICE_USER_FUNCTION',
        message: `map (node 3) returned a Promise: ${SYNCHRONOUS}`,
      }),
    );
  });

  it('mapWithState is checked in its state slot', async () => {
    const job = defineJob((ctx) => {
      ctx
        .stream<Click>()
        .map((record): [string, number] => [record.value.url, 1])
        .mapWithState({ fn: (async () => 1) as unknown as () => number })
        .foreachBatch(() => {});
    });
    await expect(new TestDriver(job).runBatch([{ value: { url: '/a' } }])).rejects.toThrow(
      expect.objectContaining({
        code: 'SLUICE_USER_FUNCTION',
        message: `mapWithState (node 2) returned a Promise: ${SYNCHRONOUS}`,
      }),
    );
  });
});

describe('foreachBatch', () => {
  it('stays asynchronous: the batch waits for it', async () => {
    const seen: string[] = [];
    const job = defineJob((ctx) => {
      ctx
        .stream<Click>()
        .map((record) => record.value.url)
        .foreachBatch(async (urls) => {
          await new Promise((resolve) => setImmediate(resolve));
          seen.push(...urls);
        });
    });
    const batch = await new TestDriver(job).runBatch([{ value: { url: '/a' } }, { value: { url: '/b' } }]);
    expect(batch.fatal).toBeUndefined();
    expect(seen).toEqual(['/a', '/b']);
  });
});
