import { describe, expect, it } from 'vitest';
import type { SourceRecord } from '../../src/core/index.ts';
import { type DStream, defineJob, type Job, type State, StateSpec } from '../../src/dsl/index.ts';
import { isSluiceError } from '../../src/errors/index.ts';
import { statePartitionOf } from '../../src/task/index.ts';
import { type DriverBatch, TestDriver, type TestRecord } from '../../src/testing/index.ts';

// Keys and their state partitions, fixed by murmur2 (checked below):
// of 2 partitions, a b c → 0 and d f g → 1; of 3, f g → 0, a c → 1, b d → 2.

const pairs = (ctx: { stream<V>(): DStream<SourceRecord<V>> }) =>
  ctx.stream<{ k: string; v: number }>().map((record): [string, number] => [record.value.k, record.value.v]);

const rec = (k: string, v: number, partition = 0): TestRecord => ({ partition, value: { k, v } });

/** The values of output `index` of every batch. */
const values = (batch: DriverBatch, index = 0): readonly unknown[] => batch.outputs[index]?.values ?? [];

async function run(driver: TestDriver, batches: readonly (readonly TestRecord[])[], index = 0) {
  const out: (readonly unknown[])[] = [];
  for (const records of batches) out.push(values(await driver.runBatch(records), index));
  return out;
}

it('the keys of these tests have the state partitions the tests assume', () => {
  expect(['a', 'b', 'c', 'd', 'f', 'g'].map((key) => statePartitionOf(key, 2))).toEqual([0, 0, 0, 1, 1, 1]);
  expect(['f', 'g', 'a', 'c', 'b', 'd'].map((key) => statePartitionOf(key, 3))).toEqual([0, 0, 1, 1, 2, 2]);
  // As the Kafka sink writes keys: a number by its JSON.
  expect(statePartitionOf(1, 3)).toBe(statePartitionOf('1', 3));
});

describe('updateStateByKey', () => {
  const calls: string[] = [];
  const job = defineJob((ctx) => {
    pairs(ctx)
      .updateStateByKey<number>((batch, total) => {
        calls.push(`${batch.join('+')}|${total}`);
        const sum = (total ?? 0) + batch.reduce((a, b) => a + b, 0);
        return sum >= 5 ? undefined : sum;
      })
      .print();
  });

  it('calls fn for keys with values and keys with state, removes on undefined, emits the whole state', async () => {
    calls.length = 0;
    const driver = new TestDriver(job, { partitionCount: 2 });
    const b1 = await driver.runBatch([rec('a', 1), rec('d', 2, 1), rec('a', 2)]);
    expect(values(b1)).toEqual([
      ['a', 3],
      ['d', 2],
    ]);
    expect(calls.splice(0)).toEqual(['1+2|undefined', '2|undefined']);
    // Per state partition, in partition order: keys with state but no values are called with [];
    // new keys come after them (b is in a's partition, d in the other).
    const b2 = await driver.runBatch([rec('b', 1)]);
    expect(values(b2)).toEqual([
      ['a', 3],
      ['b', 1],
      ['d', 2],
    ]);
    expect(calls.splice(0)).toEqual(['|3', '1|undefined', '|2']);
    const b3 = await driver.runBatch([rec('d', 3, 1)]);
    expect(values(b3)).toEqual([
      ['a', 3],
      ['b', 1],
    ]);
    expect(calls.splice(0)).toEqual(['|3', '|1', '3|2']);
    // A batch without records still runs every key's fn and emits the state.
    const b4 = await driver.runBatch([]);
    expect(values(b4)).toEqual([
      ['a', 3],
      ['b', 1],
    ]);
    expect(calls.splice(0)).toEqual(['|3', '|1']);
  });

  it('a new key whose first state is undefined is never stored', async () => {
    calls.length = 0;
    const driver = new TestDriver(job, { partitionCount: 2 });
    expect(values(await driver.runBatch([rec('a', 7)]))).toEqual([]);
    expect(values(await driver.runBatch([]))).toEqual([]);
    expect(calls).toEqual(['7|undefined']);
  });

  it('gets a key values from several partitions in the order of the partitions, records in order', async () => {
    const seen: string[] = [];
    const concat = defineJob((ctx) => {
      pairs(ctx)
        .updateStateByKey<string>((batch, state) => {
          seen.push(batch.join(','));
          return `${state ?? ''}${batch.join('')}`;
        })
        .print();
    });
    const driver = new TestDriver(concat, { partitionCount: 3 });
    const batch = await driver.runBatch([rec('a', 5, 2), rec('a', 1, 0), rec('a', 6, 2), rec('a', 2, 0)]);
    expect(seen).toEqual(['1,2,5,6']);
    expect(values(batch)).toEqual([['a', '1256']]);
  });

  it('runs after an aggregation on the main thread (Spark running counts)', async () => {
    const running = defineJob((ctx) => {
      pairs(ctx)
        .reduceByKey((a, b) => a + b)
        .updateStateByKey<number>((batch, total) => (total ?? 0) + batch.reduce((a, b) => a + b, 0))
        .print();
    });
    const driver = new TestDriver(running, { partitionCount: 3 });
    expect(await run(driver, [[rec('f', 1), rec('b', 2, 2), rec('f', 3, 1)], [rec('b', 1, 1)]])).toEqual([
      [
        ['f', 4],
        ['b', 2],
      ],
      [
        ['f', 4],
        ['b', 3],
      ],
    ]);
  });
});

type Visit = readonly [key: string, value: number, visits: number];

describe('mapWithState', () => {
  const timeoutJob = (spec: { timeoutMs?: number; initialState?: [string, number][] }) =>
    defineJob((ctx) => {
      const mapped = pairs(ctx).mapWithState<number, Visit | ['timeout', string, number]>({
        fn: (key, value, state) => {
          if (state.isTimingOut()) return ['timeout', key, state.get()];
          if (value === undefined) throw new Error('a value is undefined only on timeout');
          if (value < 0) {
            state.remove();
            return undefined;
          }
          const visits = (state.getOption() ?? 0) + 1;
          state.update(visits);
          return [key, value, visits];
        },
        ...spec,
      });
      mapped.print();
      mapped.stateSnapshots().print();
    });

  it('calls fn once per record, in record order, and emits what it returns', async () => {
    const driver = new TestDriver(timeoutJob({}), { partitionCount: 2 });
    const b1 = await driver.runBatch([rec('a', 1), rec('d', 2, 1), rec('a', 3)]);
    expect(values(b1, 0)).toEqual([
      ['a', 1, 1],
      ['a', 3, 2],
      ['d', 2, 1],
    ]);
    expect(values(b1, 1)).toEqual([
      ['a', 2],
      ['d', 1],
    ]);
    const b2 = await driver.runBatch([rec('d', 4, 1)]);
    expect(values(b2, 0)).toEqual([['d', 4, 2]]);
    expect(values(b2, 1)).toEqual([
      ['a', 2],
      ['d', 2],
    ]);
  });

  it('remove drops the key and what fn returns undefined is not emitted', async () => {
    const driver = new TestDriver(timeoutJob({}), { partitionCount: 2 });
    await driver.runBatch([rec('a', 1), rec('b', 1)]);
    const b2 = await driver.runBatch([rec('a', -1), rec('a', 5)]);
    // After the remove, the next record of the same batch starts from no state.
    expect(values(b2, 0)).toEqual([['a', 5, 1]]);
    expect(values(b2, 1)).toEqual([
      ['b', 1],
      ['a', 1],
    ]);
    const b3 = await driver.runBatch([rec('b', -1)]);
    expect(values(b3, 0)).toEqual([]);
    expect(values(b3, 1)).toEqual([['a', 1]]);
  });

  it('a key idle for longer than the timeout gets one last call at the first batch past it, then goes', async () => {
    // Batches at 1000, 2000, …: 'a' last seen at 1000 is idle longer than 2000 ms at 4000.
    const driver = new TestDriver(timeoutJob({ timeoutMs: 2_000 }), { partitionCount: 2 });
    const out = await run(driver, [[rec('a', 1), rec('d', 1, 1)], [rec('d', 2, 1)], [], [], [], [], []]);
    expect(out).toEqual([
      [
        ['a', 1, 1],
        ['d', 1, 1],
      ],
      [['d', 2, 2]],
      [],
      [['timeout', 'a', 1]],
      [['timeout', 'd', 2]],
      [],
      [],
    ]);
    const snapshots = await run(
      new TestDriver(timeoutJob({ timeoutMs: 2_000 }), { partitionCount: 2 }),
      [[rec('a', 1)], [], [], []],
      1,
    );
    expect(snapshots).toEqual([[['a', 1]], [['a', 1]], [['a', 1]], []]);
  });

  it('a record resets the idle time', async () => {
    const driver = new TestDriver(timeoutJob({ timeoutMs: 1_000 }), { partitionCount: 1 });
    const out = await run(driver, [[rec('a', 1)], [], [rec('a', 2)], [], [], [rec('a', 3)]]);
    expect(out).toEqual([[['a', 1, 1]], [], [['a', 2, 2]], [], [['timeout', 'a', 2]], [['a', 3, 1]]]);
  });

  it('initialState seeds the state before the first batch; its keys time out like the others', async () => {
    const job = timeoutJob({
      timeoutMs: 1_500,
      initialState: [
        ['a', 10],
        ['g', 20],
      ],
    });
    const driver = new TestDriver(job, { partitionCount: 2 });
    const b1 = await driver.runBatch([rec('a', 1)]);
    expect(values(b1, 0)).toEqual([['a', 1, 11]]);
    expect(values(b1, 1)).toEqual([
      ['a', 11],
      ['g', 20],
    ]);
    const b2 = await driver.runBatch([]);
    expect(values(b2, 1)).toEqual([
      ['a', 11],
      ['g', 20],
    ]);
    const b3 = await driver.runBatch([]);
    expect(values(b3, 0)).toEqual([
      ['timeout', 'a', 11],
      ['timeout', 'g', 20],
    ]);
    expect(values(b3, 1)).toEqual([]);
  });

  it('the StateSpec builder makes the same spec', async () => {
    const job = defineJob((ctx) => {
      const spec = StateSpec.function((key: string, value: number | undefined, state: State<number>) => {
        if (state.isTimingOut()) return `${key} timed out`;
        state.update((state.getOption() ?? 0) + (value ?? 0));
        return `${key}=${state.get()}`;
      })
        .timeout(1_000)
        .initialState([['b', 5]]);
      pairs(ctx).mapWithState(spec).print();
    });
    const driver = new TestDriver(job, { partitionCount: 2 });
    expect(await run(driver, [[rec('b', 1)], [], []])).toEqual([['b=6'], [], ['b timed out']]);
    expect(() => StateSpec.function(() => 1).timeout(0)).toThrow(
      'mapWithState: the timeout must be an integer > 0 of milliseconds; got 0',
    );
  });

  it('update and remove of a timing-out state throw SLUICE_STATE, as in Spark', async () => {
    for (const misuse of ['update', 'remove'] as const) {
      const job = defineJob((ctx) => {
        pairs(ctx)
          .mapWithState<number, number>({
            fn: (_key, value, state) => {
              if (state.isTimingOut()) {
                if (misuse === 'update') state.update(0);
                else state.remove();
              } else state.update(value ?? 0);
              return value;
            },
            timeoutMs: 1_000,
          })
          .print();
      });
      const driver = new TestDriver(job, { partitionCount: 1 });
      await driver.runBatch([rec('a', 1)]);
      await driver.runBatch([]);
      const error = await driver.runBatch([]).catch((caught: unknown) => caught);
      expect(isSluiceError(error, 'SLUICE_STATE')).toBe(true);
      expect((error as Error).message).toBe(
        misuse === 'update'
          ? 'State.update: the state is timing out; it can only be read'
          : 'State.remove: the state is timing out; it is removed after this call',
      );
    }
  });

  it('the State handle follows the rules of Spark’s StateImpl', async () => {
    const errors: string[] = [];
    const attempt = (fn: () => void): void => {
      try {
        fn();
      } catch (error) {
        errors.push((error as Error).message);
      }
    };
    const job = defineJob((ctx) => {
      pairs(ctx)
        .mapWithState<number, boolean>({
          fn: (_key, _value, state) => {
            attempt(() => state.get());
            attempt(() => state.update(undefined as unknown as number));
            state.update(1);
            state.remove();
            attempt(() => state.remove());
            attempt(() => state.update(2));
            return state.exists();
          },
        })
        .print();
    });
    const batch = await new TestDriver(job).runBatch([rec('a', 1)]);
    expect(values(batch)).toEqual([false]);
    expect(errors).toEqual([
      'State.get: the key has no state (check exists() or use getOption())',
      'State.update: a state cannot be undefined; call remove()',
      'State.remove: the state was already removed in this call',
      'State.update: the state was removed in this call',
    ]);
  });

  it('stateSnapshots must follow mapWithState', () => {
    const job: Job = defineJob((ctx) => {
      pairs(ctx)
        .mapWithState({ fn: (key: string) => key })
        .stateSnapshots()
        .print();
    });
    expect(new TestDriver(job).plan.nodes.map((node) => node.kind)).toEqual([
      'source',
      'map',
      'mapWithState',
      'stateSnapshots',
      'output',
    ]);
  });
});

describe('state partitions', () => {
  const job = defineJob((ctx) => {
    pairs(ctx)
      .updateStateByKey<number>((batch, total) => (total ?? 0) + batch.length)
      .print();
  });

  it('one instance owns every partition: keys of any input partition keep state', async () => {
    const driver = new TestDriver(job, { partitionCount: 3 });
    const batch = await driver.runBatch([rec('b', 1, 0), rec('f', 1, 2), rec('a', 1, 1)]);
    // In state partition order: f (0), a (1), b (2).
    expect(values(batch)).toEqual([
      ['f', 1],
      ['a', 1],
      ['b', 1],
    ]);
  });

  it('a key of a state partition owned elsewhere fails the batch with SLUICE_STATE_PARTITION', async () => {
    // This instance owns input partition 0 only, as one of several would.
    const driver = new TestDriver(job, { partitionCount: 3, partitions: [0] });
    expect(values(await driver.runBatch([rec('f', 1, 0), rec('g', 1, 0)]))).toEqual([
      ['f', 1],
      ['g', 1],
    ]);
    const error = await driver.runBatch([rec('b', 1, 0)]).catch((caught: unknown) => caught);
    expect(isSluiceError(error, 'SLUICE_STATE_PARTITION')).toBe(true);
    expect((error as Error).message).toBe(
      "updateStateByKey (node 2): key b belongs to state partition 2 of topic input (murmur2 of the key % 3), which this instance does not own (it owns 0); the stream's key is not the Kafka record key, so its state would live apart from its input partition. Repartition by the key first: write the pairs to a topic with toKafka (keyed by the pair's key, murmur2) and run the state operation on that topic",
    );
  });

  it('a partition that brings records is owned from then on', async () => {
    const driver = new TestDriver(job, { partitionCount: 3, partitions: [0] });
    expect(values(await driver.runBatch([rec('b', 1, 2)]))).toEqual([['b', 1]]);
    expect(values(await driver.runBatch([rec('b', 1, 0)]))).toEqual([['b', 2]]);
  });
});
