import { describe, expect, it } from 'vitest';
import { type BatchSource, type BatchStats, Engine, pollForData } from '../../src/coordinator/index.ts';
import { silentLogger, toOffset } from '../../src/core/index.ts';
import { buildGraph, defineJob, Plan } from '../../src/dsl/index.ts';
import { Outputs } from '../../src/sinks/index.ts';
import { generatedWork } from '../../src/sources/index.ts';
import { type RecordInput, runPartition, type SlotTask } from '../../src/task/index.ts';
import { fieldTime } from '../../src/task/partition-run.ts';
import { TestDriver } from '../../src/testing/index.ts';

// End-to-end latency: each record's age from its Kafka timestamp to its batch's outputs written,
// read by the slot against its clock and moved by the main thread to when the outputs were done.

const counts = defineJob((ctx) => {
  ctx
    .stream<number>()
    .map((record) => record.value)
    .count()
    .foreachBatch(() => {});
});

describe('end-to-end latency', () => {
  it('counts each decoded record from its timestamp to its batch, on the driver clock', async () => {
    const driver = new TestDriver(counts, { startTime: 1_000_000, intervalMs: 1000, decodePolicy: 'skip' });
    // Batch 0 runs at 1,001,000: ages 100 ms, 250 ms and 1 s.
    const batch = await driver.runBatch([
      { partition: 0, value: 1, timestamp: 1_000_900 },
      { partition: 0, value: 2, timestamp: 1_000_750 },
      { partition: 1, value: 3, timestamp: 1_000_000 },
      // Kafka's "no timestamp" has no age; an undecodable record never reached an output.
      { partition: 1, value: 4, timestamp: -1 },
      // Nor has a timestamp past the Date range (one past 2^53 is a decode error: no exact number).
      { partition: 1, value: 5, timestamp: 9_000_000_000_000_000 },
      { partition: 1, bytes: '{not json', timestamp: 1_000_500 },
    ]);
    expect(batch.decodeErrors).toBe(1);
    expect(batch.latency?.count).toBe(3);
    expect(batch.latency?.sum).toBe(1_350_000);
    expect(batch.latency?.max).toBe(1_000_000);
    expect(batch.latency?.countAtMost(300_000)).toBe(2);
    // Without records there is nothing to count.
    expect((await driver.runBatch([])).latency).toBeUndefined();
  });

  it("counts from the value's own field when SLUICE_LATENCY_TIMESTAMP_FIELD names one", async () => {
    const fields = defineJob((ctx) => {
      ctx
        .stream()
        .count()
        .foreachBatch(() => {});
    });
    const driver = new TestDriver(fields, {
      startTime: 1_000_000,
      intervalMs: 1000,
      latencyTimestampField: 'sentAt',
    });
    // Batch 0 runs at 1,001,000 (1970-01-01T00:16:41Z).
    const batch = await driver.runBatch([
      { partition: 0, value: { sentAt: 1_000_400 }, timestamp: 1_000_990 },
      { partition: 0, value: { sentAt: '1970-01-01T00:16:40.000Z' }, timestamp: 1_000_990 },
      // No field, a wrong type, an inherited name, not an object: no age, not an error.
      { partition: 0, value: { other: 1 }, timestamp: 1_000_990 },
      { partition: 0, value: { sentAt: [1_000_000] }, timestamp: 1_000_990 },
      { partition: 0, value: { sentAt: 'yesterday' }, timestamp: 1_000_990 },
      { partition: 1, value: 'text', timestamp: 1_000_990 },
      { partition: 1, value: null, timestamp: 1_000_990 },
      // Times no clock reads: nothing to count, not a latency of 0.
      { partition: 1, value: { sentAt: 1e300 }, timestamp: 1_000_990 },
      { partition: 1, value: { sentAt: 1_700_000_000_000_000_000 }, timestamp: 1_000_990 },
      { partition: 1, value: { sentAt: Number.POSITIVE_INFINITY }, timestamp: 1_000_990 },
    ]);
    expect(batch.decodeErrors).toBe(0);
    expect([batch.latency?.count, batch.latency?.sum, batch.latency?.max]).toEqual([2, 1_600_000, 1_000_000]);
    expect(fieldTime({ __proto__: null, toString: 5 }, 'toString')).toBe(5);
    expect(fieldTime({}, 'toString')).toBeNaN();
    expect(fieldTime(JSON.parse('{"__proto__": 7}'), '__proto__')).toBe(7);
  });

  it('moves the slot ages to when the outputs were written, and says where the time went', async () => {
    let now = 10_000;
    const plan = new Plan(
      buildGraph(
        defineJob((ctx) => {
          ctx
            .stream()
            .count()
            // The sink takes 40 ms.
            .foreachBatch(() => {
              now += 40;
            });
        }),
        {},
      ),
    );
    const created = [9_990, 9_995];
    const slots = {
      async run(topic: string, partition: number, task: SlotTask) {
        if (!('info' in task)) throw new Error(`unexpected ${task.type} task`);
        const input: RecordInput = {
          topic,
          partition,
          count: created.length,
          offset: (i) => toOffset(BigInt(i)),
          raw: () => ({ key: null, value: null }),
          record: (i) => ({
            topic,
            partition,
            offset: toOffset(BigInt(i)),
            timestamp: 0,
            key: null,
            value: i,
          }),
          createdAt: (i) => created[i] as number,
        };
        // The slot reads its clock at the start; the batch takes it 7 ms more.
        const result = runPartition(plan, input, task.info, 'fail', { clock: () => now });
        now += 7;
        return result;
      },
    };
    let handed = false;
    const source: BatchSource = {
      name: 'one batch',
      async next() {
        if (handed) return 'end';
        handed = true;
        const range = { topic: 't', partition: 0, fromOffset: toOffset(0n), untilOffset: toOffset(2n) };
        return [{ ...generatedWork(range), fetchedAt: 9_980 }];
      },
      async commit() {},
      waitForData: pollForData,
      interrupt() {},
      async close() {},
    };
    const stats: BatchStats[] = [];
    await new Engine({
      plan,
      slots,
      source,
      assignment: undefined,
      replay: undefined,
      outputs: new Outputs(),
      trigger: 'available-now',
      intervalMs: 1000,
      commitIntervalMs: 0,
      log: silentLogger,
      now: () => now,
      onBatch: (batch) => void stats.push(batch),
    }).run();
    const [batch] = stats.filter((item) => item.consumed > 0);
    // Ages 10 ms and 5 ms at the slot's start, written 47 ms later: 57 ms and 52 ms.
    expect(batch?.latency?.count).toBe(2);
    expect(batch?.latency?.sum).toBe(109_000);
    expect(batch?.latency?.max).toBe(57_000);
    expect([batch?.slotsMs, batch?.outputMs, batch?.fetchWaitMs]).toEqual([7, 40, 20]);
  });
});
