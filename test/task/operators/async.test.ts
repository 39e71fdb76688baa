import { describe, expect, it } from 'vitest';
import type { DStream, JobContext } from '../../../src/dsl/index.ts';
import { defineJob } from '../../../src/dsl/index.ts';
import { ErrorCode, SluiceError } from '../../../src/errors/index.ts';
import { type DriverOptions, TestDriver, type TestRecord } from '../../../src/testing/index.ts';
import { Aggregations, Windows } from '../../../src/window/index.ts';

// mapAsync and filterAsync through the TestDriver: the real task runner's asynchronous batch run,
// in this thread, with real timers.

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A deterministic series in [0, 1), so that the delays are the same on every run. */
function series(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

/** `count` records per partition, values `{ p, n }` (n: 0, 1, …), timestamps n × 10. */
function records(partitions: number, count: number): TestRecord[] {
  return Array.from({ length: partitions * count }, (_, i) => {
    const partition = i % partitions;
    const n = Math.floor(i / partitions);
    return { partition, value: { p: partition, n }, timestamp: n * 10 };
  });
}

type Row = { readonly p: number; readonly n: number };

/** A job: `build` on the stream of `Row`s, its result collected by foreachBatch. */
function collecting<T>(build: (rows: DStream<{ value: Row; offset: bigint }>) => DStream<T>) {
  return defineJob((ctx: JobContext) => {
    build(ctx.stream<Row>()).foreachBatch(() => {});
  });
}

async function run(
  job: ReturnType<typeof collecting>,
  input: readonly TestRecord[],
  options: DriverOptions = {},
) {
  return new TestDriver(job, options).runBatch(input);
}

describe('mapAsync', () => {
  it('keeps the input order within each partition whatever order the calls settle in', async () => {
    const random = series(7);
    const job = collecting((rows) =>
      rows.mapAsync(
        async (record) => {
          await sleep(Math.floor(random() * 6));
          return { ...record.value, twice: record.value.n * 2 };
        },
        { concurrency: 8 },
      ),
    );
    const batch = await run(job, records(2, 150));
    const values = batch.outputs[0]?.values as (Row & { twice: number })[];
    const expected = [0, 1].flatMap((p) => Array.from({ length: 150 }, (_, n) => ({ p, n, twice: n * 2 })));
    expect(values).toEqual(expected);
  });

  it('has at most `concurrency` calls of a partition in flight, and reaches it', async () => {
    let inFlight = 0;
    let most = 0;
    const random = series(3);
    const job = collecting((rows) =>
      rows.mapAsync(
        async (record) => {
          inFlight++;
          most = Math.max(most, inFlight);
          await sleep(1 + Math.floor(random() * 4));
          inFlight--;
          return record.value.n;
        },
        { concurrency: 5 },
      ),
    );
    const batch = await run(job, records(2, 60));
    expect(most).toBe(5);
    expect(inFlight).toBe(0);
    expect(batch.outputs[0]?.values).toHaveLength(120);
  });

  it('with concurrency 1, calls one at a time', async () => {
    const order: string[] = [];
    const job = collecting((rows) =>
      rows.mapAsync(
        async (record) => {
          order.push(`start ${record.value.n}`);
          await sleep(1);
          order.push(`end ${record.value.n}`);
          return record.value.n;
        },
        { concurrency: 1 },
      ),
    );
    await run(job, records(1, 3));
    expect(order).toEqual(['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2']);
  });

  it('feeds a keyed aggregation after it, and an event-time window with the records’ times', async () => {
    const job = defineJob((ctx) => {
      const enriched = ctx
        .stream<Row>()
        .withWatermark(0)
        .mapAsync(async (record) => {
          await sleep(record.value.n % 3);
          return { ...record.value, parity: record.value.n % 2 === 0 ? 'even' : 'odd' };
        });
      enriched
        .map((row): [string, number] => [row.parity, 1])
        .reduceByKey((a, b) => a + b)
        .foreachBatch(() => {});
      enriched
        .map((row): [string, number] => [row.parity, row.n])
        .windowAggregate(Windows.tumbling(50), Aggregations.max())
        .foreachBatch(() => {});
    });
    const driver = new TestDriver(job);
    const batch = await driver.runBatch(records(2, 10));
    expect(batch.outputs[0]?.values).toEqual([
      ['even', 10],
      ['odd', 10],
    ]);
    const end = await driver.endOfInput();
    const windows = [...(batch.outputs[1]?.values ?? []), ...(end.outputs[1]?.values ?? [])];
    // n = 0…9 at n × 10 ms: windows [0, 50) hold n 0–4, [50, 100) n 5–9.
    expect(windows).toEqual([
      { key: 'even', windowStart: 0, windowEnd: 50, value: 4 },
      { key: 'odd', windowStart: 0, windowEnd: 50, value: 3 },
      { key: 'even', windowStart: 50, windowEnd: 100, value: 8 },
      { key: 'odd', windowStart: 50, windowEnd: 100, value: 9 },
    ]);
  });

  it('names the late records after it by the records they came from', async () => {
    const job = defineJob((ctx) => {
      const windowed = ctx
        .stream<Row>()
        .withWatermark(0)
        .mapAsync(async (record) => {
          await sleep(2 - (record.value.n % 3));
          return record.value.n;
        })
        .map((n): [string, number] => ['all', n])
        .windowAggregate(Windows.tumbling(100), Aggregations.count());
      windowed.lateRecords().foreachBatch(() => {});
    });
    const driver = new TestDriver(job);
    await driver.runBatch([{ partition: 0, value: { p: 0, n: 0 }, timestamp: 500 }]);
    const batch = await driver.runBatch([
      { partition: 0, value: { p: 0, n: 1 }, timestamp: 600 },
      { partition: 0, value: { p: 0, n: 2 }, timestamp: 100 },
      { partition: 0, value: { p: 0, n: 3 }, timestamp: 700 },
      { partition: 0, value: { p: 0, n: 4 }, timestamp: 200 },
    ]);
    const late = batch.outputs[0]?.values as { offset: string; eventTime: number; value: unknown }[];
    expect(late.map(({ offset, eventTime, value }) => ({ offset, eventTime, value }))).toEqual([
      { offset: '2', eventTime: 100, value: ['all', 2] },
      { offset: '4', eventTime: 200, value: ['all', 4] },
    ]);
  });

  it('takes values that arrive at the batch end (after a transform), and feeds a transform after it', async () => {
    const job = collecting((rows) =>
      rows
        .transform((values) => values.map((record) => record.value.n).reverse())
        .mapAsync(async (n) => {
          await sleep(n % 2);
          return n * 10;
        })
        .transform((values) => [values.join(',')]),
    );
    const batch = await run(job, records(1, 5));
    expect(batch.outputs[0]?.values).toEqual(['40,30,20,10,0']);
  });

  it('chains: flatMap fan-out, two mapAsync in a row, order kept', async () => {
    const random = series(11);
    const job = collecting((rows) =>
      rows
        .flatMap((record) => [record.value.n * 3, record.value.n * 3 + 1, record.value.n * 3 + 2])
        .mapAsync(
          async (n) => {
            await sleep(Math.floor(random() * 3));
            return n + 1000;
          },
          { concurrency: 2 },
        )
        .mapAsync(
          async (n) => {
            await sleep(Math.floor(random() * 3));
            return n - 1000;
          },
          { concurrency: 3 },
        ),
    );
    const batch = await run(job, records(1, 20));
    expect(batch.outputs[0]?.values).toEqual(Array.from({ length: 60 }, (_, i) => i));
  });

  it('accepts a function that returns a value, not a Promise, and any thenable', async () => {
    const thenable = (n: number) => ({
      // biome-ignore lint/suspicious/noThenProperty: a thenable that is no Promise, on purpose
      then: (resolve: (value: number) => void) => resolve(-n),
    });
    const job = collecting((rows) =>
      rows.mapAsync((record) => (record.value.n % 2 === 0 ? record.value.n : thenable(record.value.n))),
    );
    const batch = await run(job, records(1, 4));
    expect(batch.outputs[0]?.values).toEqual([0, -1, 2, -3]);
  });

  it('runs thousands of records of a partition, with large results', async () => {
    const job = collecting((rows) =>
      rows
        .mapAsync(
          async (record) => {
            if (record.value.n % 500 === 0) await sleep(2);
            return { n: record.value.n, blob: 'x'.repeat(record.value.n % 1000 === 0 ? 1_000_000 : 10) };
          },
          { concurrency: 64 },
        )
        .map((row) => [row.n, row.blob.length]),
    );
    const batch = await run(job, records(1, 5_000));
    const values = batch.outputs[0]?.values as [number, number][];
    expect(values).toHaveLength(5_000);
    expect(values.map(([n]) => n)).toEqual(Array.from({ length: 5_000 }, (_, n) => n));
    expect(values.filter(([, length]) => length === 1_000_000).map(([n]) => n)).toEqual([
      0, 1000, 2000, 3000, 4000,
    ]);
  });
  it('takes a whole batch at once from a transform before it (50,000 values) without slowing down', async () => {
    const job = collecting((rows) =>
      rows
        .transform((values) =>
          values.flatMap((record) => Array.from({ length: 10_000 }, (_, i) => record.value.n * 10_000 + i)),
        )
        .mapAsync((n) => n, { concurrency: 100 }),
    );
    const started = Date.now();
    const batch = await run(job, records(1, 5));
    expect(batch.outputs[0]?.values).toEqual(Array.from({ length: 50_000 }, (_, n) => n));
    // A hang guard, not a timing: a queue drained with shift() costs the square of its length.
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});

describe('mapAsync failures', () => {
  it("under 'fail', stops the batch naming the record, the error and the line that threw; the calls in flight are aborted", async () => {
    const aborted: number[] = [];
    const job = collecting((rows) =>
      rows.mapAsync(
        async (record, { signal }) => {
          if (record.value.n === 5) {
            await sleep(5);
            throw new Error(`no profile for ${record.value.n}`);
          }
          if (record.value.n > 5) {
            await new Promise((resolve) => signal.addEventListener('abort', resolve));
            aborted.push(record.value.n);
          }
          return record.value.n;
        },
        { concurrency: 4 },
      ),
    );
    const batch = await run(job, records(1, 20));
    expect(batch.fatal?.code).toBe(ErrorCode.userFunction);
    expect(batch.fatal?.message).toMatch(
      /^mapAsync \(node 1\) failed: no profile for 5 \(at topic input, partition 0, offset 5; thrown at \S+async\.test\.ts:\d+:\d+\)$/,
    );
    expect(batch.outputs).toEqual([]);
    await sleep(1);
    expect(aborted.sort()).toEqual([6, 7, 8]);
  });

  it('fails a call that throws synchronously, as one that rejects', async () => {
    const job = collecting((rows) =>
      rows.mapAsync((record) => {
        if (record.value.n === 2) throw new TypeError('bad input');
        return Promise.resolve(record.value.n);
      }),
    );
    const batch = await run(job, records(1, 4));
    expect(batch.fatal?.message).toMatch(
      /^mapAsync \(node 1\) failed: bad input \(at topic input, partition 0, offset 2; thrown at /,
    );
  });

  it('times a call out after timeoutMs, aborting its signal with the reason', async () => {
    const reasons: unknown[] = [];
    const job = collecting((rows) =>
      rows.mapAsync(
        (record, { signal }) => {
          if (record.value.n !== 3) return record.value.n;
          signal.addEventListener('abort', () => reasons.push(signal.reason));
          return new Promise(() => {});
        },
        { timeoutMs: 30 },
      ),
    );
    const started = Date.now();
    const batch = await run(job, records(1, 6));
    expect(Date.now() - started).toBeGreaterThanOrEqual(29);
    expect(batch.fatal?.message).toBe(
      'mapAsync (node 1) failed: no result within 30 ms (timeoutMs) (at topic input, partition 0, offset 3)',
    );
    expect(reasons).toEqual([new SluiceError(ErrorCode.userFunction, 'no result within 30 ms (timeoutMs)')]);
  });

  it('retries with a doubling backoff, telling each call its attempt, and goes on when one succeeds', async () => {
    const attempts = new Map<number, number[]>();
    const times: number[] = [];
    const job = collecting((rows) =>
      rows.mapAsync(
        async (record, { attempt }) => {
          const n = record.value.n;
          attempts.set(n, [...(attempts.get(n) ?? []), attempt]);
          if (n === 1) times.push(Date.now());
          if (n === 1 && attempt < 3) throw new Error('busy');
          return n;
        },
        { retry: { attempts: 3, backoffMs: 20 } },
      ),
    );
    const batch = await run(job, records(1, 3));
    expect(batch.fatal).toBeUndefined();
    expect(batch.outputs[0]?.values).toEqual([0, 1, 2]);
    expect([...attempts]).toEqual([
      [0, [1]],
      [1, [1, 2, 3]],
      [2, [1]],
    ]);
    const [first = 0, second = 0, third = 0] = times;
    expect(second - first).toBeGreaterThanOrEqual(19);
    expect(third - second).toBeGreaterThanOrEqual(39);
  });

  it('applies the onError policy once the attempts are spent, timeouts included', async () => {
    const job = collecting((rows) =>
      rows.mapAsync((record) => (record.value.n === 1 ? new Promise(() => {}) : record.value.n), {
        timeoutMs: 10,
        retry: { attempts: 2, backoffMs: 1 },
      }),
    );
    const batch = await run(job, records(1, 3));
    expect(batch.fatal?.message).toBe(
      'mapAsync (node 1) failed after 2 attempts: no result within 10 ms (timeoutMs) (at topic input, partition 0, offset 1)',
    );
  });

  it("under 'dlq', sends the input record with its bytes to the dead letters and goes on", async () => {
    const job = collecting((rows) =>
      rows.mapAsync(
        async (record) => {
          if (record.value.n % 4 === 1) throw new Error(`lookup ${record.value.n} failed`);
          return record.value.n;
        },
        { onError: 'dlq' },
      ),
    );
    const input = Array.from({ length: 8 }, (_, n) => ({
      partition: 0,
      bytes: JSON.stringify({ p: 0, n }),
      key: `k${n}`,
    }));
    const batch = await run(job, input);
    expect(batch.fatal).toBeUndefined();
    expect(batch.outputs[0]?.values).toEqual([0, 2, 3, 4, 6, 7]);
    expect(
      batch.callFailures.map(({ offset, error, key, value }) => ({
        offset,
        error,
        key: Buffer.from(key ?? []).toString(),
        value: Buffer.from(value ?? []).toString(),
      })),
    ).toEqual([
      { offset: 1n, error: 'mapAsync (node 1) failed: lookup 1 failed', key: 'k1', value: '{"p":0,"n":1}' },
      { offset: 5n, error: 'mapAsync (node 1) failed: lookup 5 failed', key: 'k5', value: '{"p":0,"n":5}' },
    ]);
    expect(batch.decodeErrors).toBe(0);
  });

  it("stops the batch for a failed call on a value made at the batch end, which no record can stand for under 'dlq'", async () => {
    const job = collecting((rows) =>
      rows
        .transform((values) => [values.length])
        .mapAsync(
          async () => {
            throw new Error('no');
          },
          { onError: 'dlq' },
        ),
    );
    const batch = await run(job, records(1, 3));
    expect(batch.fatal?.message).toMatch(
      /^mapAsync \(node 2\) failed: no \(on a value made at the batch end, input-0; thrown at \S+async\.test\.ts:\d+:\d+\)$/,
    );
    expect(batch.callFailures).toEqual([]);
  });

  it('dead-letters a record once when several of its values fail', async () => {
    const job = collecting((rows) =>
      rows
        .flatMap((record) => [record.value.n, record.value.n])
        .mapAsync(
          async (n) => {
            if (n === 1) throw new Error('no');
            return n;
          },
          { onError: 'dlq' },
        ),
    );
    const batch = await run(job, records(1, 3));
    expect(batch.outputs[0]?.values).toEqual([0, 0, 2, 2]);
    expect(batch.callFailures.map(({ offset }) => offset)).toEqual([1n]);
  });

  it('hands a SLUICE_DECODE rejection to the decode policy, unretried', async () => {
    let calls = 0;
    const job = collecting((rows) =>
      rows.mapAsync(
        async (record) => {
          calls++;
          if (record.value.n === 2) throw new SluiceError(ErrorCode.decode, 'field n is two');
          return record.value.n;
        },
        { retry: { attempts: 5, backoffMs: 1 } },
      ),
    );
    const batch = await run(job, records(1, 4), { decodePolicy: 'skip' });
    expect(calls).toBe(4);
    expect(batch.outputs[0]?.values).toEqual([0, 1, 3]);
    expect(batch.decodeErrors).toBe(1);
    expect(batch.failures.map(({ offset, error }) => ({ offset, error }))).toEqual([
      { offset: 2n, error: 'field n is two' },
    ]);
  });

  it('stops the batch when an operator after it throws, naming the record the value came from', async () => {
    const job = collecting((rows) =>
      rows
        .mapAsync(async (record) => {
          await sleep(3 - record.value.n);
          return record.value.n;
        })
        .map((n) => {
          if (n === 2) throw new Error('two');
          return n;
        }),
    );
    const batch = await run(job, records(1, 4));
    expect(batch.fatal?.message).toMatch(/^two \(at topic input, partition 0, offset 2; thrown at /);
  });
});

describe('filterAsync', () => {
  it('keeps the values whose calls resolve truthy, in order', async () => {
    const random = series(5);
    const job = collecting((rows) =>
      rows
        .filterAsync(
          async (record) => {
            await sleep(Math.floor(random() * 4));
            return record.value.n % 3 === 0;
          },
          { concurrency: 4 },
        )
        .map((record) => record.value.n),
    );
    const batch = await run(job, records(1, 20));
    expect(batch.outputs[0]?.values).toEqual([0, 3, 6, 9, 12, 15, 18]);
  });
});

describe('placement', () => {
  it('refuses mapAsync after an aggregation', () => {
    const job = defineJob((ctx) => {
      ctx
        .stream<Row>()
        .map((record): [number, number] => [record.value.p, 1])
        .reduceByKey((a, b) => a + b)
        .mapAsync(async (pair) => pair)
        .print();
    });
    expect(() => new TestDriver(job)).toThrow(
      new SluiceError(
        ErrorCode.jobInvalid,
        "mapAsync (node 3) must come before the first aggregation: its calls run in the partition's worker slot; after an aggregation, do asynchronous work in foreachBatch",
      ),
    );
  });
});
