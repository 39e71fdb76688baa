import { describe, expect, it } from 'vitest';
import { type BatchSource, Engine, type PartitionWork, pollForData } from '../../src/coordinator/index.ts';
import { silentLogger, toOffset } from '../../src/core/index.ts';
import { buildGraph, defineJob, Plan } from '../../src/dsl/index.ts';
import { Outputs } from '../../src/sinks/index.ts';
import { generatedWork } from '../../src/sources/index.ts';
import {
  type DecodeFailure,
  type PartitionStore,
  type RecordInput,
  runPartition,
  type SlotTask,
} from '../../src/task/index.ts';
import { Aggregations, type WindowResult, Windows } from '../../src/window/index.ts';
import { scriptedAssignment } from '../support/scripted-engine.ts';

type Event = { readonly k: string; readonly t: number };

/** Batches of events per partition of topic `t`. */
function scriptedSource(batches: readonly (readonly Event[])[][]): BatchSource & { log: Event[][] } {
  const offsets = new Map<number, number>();
  const log: Event[][] = [];
  let next = 0;
  return {
    name: 'scripted',
    log,
    async next() {
      const batch = batches[next++];
      if (!batch) return 'end';
      const work: PartitionWork[] = [];
      batch.forEach((events, partition) => {
        if (events.length === 0) return;
        const from = offsets.get(partition) ?? 0;
        offsets.set(partition, from + events.length);
        log[partition] = [...(log[partition] ?? []), ...events];
        work.push(
          generatedWork({
            topic: 't',
            partition,
            fromOffset: toOffset(BigInt(from)),
            untilOffset: toOffset(BigInt(from + events.length)),
          }),
        );
      });
      return work;
    },
    async commit() {},
    waitForData: pollForData,
    interrupt() {},
    async close() {},
  };
}

/** Slots in this thread, each partition with its own window store, like worker slots keep them. */
function inThreadSlots(plan: Plan, events: () => Event[][], tasks: string[]) {
  const stores = new Map<number, PartitionStore>();
  return {
    async run(topic: string, partition: number, task: SlotTask) {
      if (!('info' in task) || task.type === 'kafka') throw new Error(`unexpected ${task.type} task`);
      tasks.push(`${task.type}:${partition}`);
      const from = task.type === 'generate' ? task.fromOffset : 0;
      const count = task.type === 'generate' ? task.count : 0;
      const at = (i: number) => events()[partition]?.[from + i] as Event;
      const input: RecordInput = {
        topic,
        partition,
        count,
        offset: (i) => toOffset(BigInt(from + i)),
        raw: (i) => ({ key: null, value: Buffer.from(JSON.stringify(at(i))) }),
        record: (i) => ({
          topic,
          partition,
          offset: toOffset(BigInt(from + i)),
          timestamp: 0,
          key: null,
          value: at(i),
        }),
      };
      let store = stores.get(partition);
      if (!store) {
        store = new Map();
        stores.set(partition, store);
      }
      return runPartition(plan, input, task.info, 'fail', { store, latePolicy: 'dlq' });
    },
  };
}

function windowedEngine(
  batches: readonly (readonly Event[])[][],
  options: { owned?: () => number[]; idleTimeoutMs?: number } = {},
) {
  const results: WindowResult[][] = [];
  const late: unknown[] = [];
  const plan = new Plan(
    buildGraph(
      defineJob((ctx) => {
        const counts = ctx
          .stream<Event>()
          .withWatermark(0, (r) => r.value.t)
          .map((r): [string, number] => [r.value.k, 1])
          .windowAggregate(Windows.tumbling(10), Aggregations.count());
        counts.foreachBatch((values) => {
          results.push([...(values as WindowResult[])]);
        });
        counts.lateRecords().foreachBatch((values) => {
          late.push(...values);
        });
      }),
      {},
    ),
  );
  const source = scriptedSource(batches);
  const tasks: string[] = [];
  const deadLetters: DecodeFailure[] = [];
  let clock = 0;
  const run = new Engine({
    plan,
    slots: inThreadSlots(plan, () => source.log, tasks),
    source,
    // `owned` says which partitions are assigned now.
    assignment: scriptedAssignment(options.owned ?? (() => [0, 1])),
    replay: undefined,
    outputs: new Outputs(),
    trigger: 'available-now',
    intervalMs: 1000,
    commitIntervalMs: 1000,
    log: silentLogger,
    now: () => (clock += 500),
    idleTimeoutMs: options.idleTimeoutMs ?? 1_000_000,
    deadLetter: async (failures) => {
      deadLetters.push(...failures);
    },
  });
  return { run, results, late, tasks, deadLetters };
}

const e = (k: string, t: number): Event => ({ k, t });

describe('engine with event-time windows', () => {
  it('runs every owned partition each batch, fires on the watermark, and closes every window at the end', async () => {
    const { run, results, tasks } = windowedEngine([
      [[e('a', 1), e('a', 12)], [e('b', 3)]],
      [[e('a', 25)], []],
      [[], []],
    ]);
    expect(await run.run()).toMatchObject({ batches: 4, records: 4, late: 0 });
    // Partition 1 brings nothing after the first batch, yet runs every batch (ticks).
    expect(tasks).toEqual([
      'generate:0',
      'generate:1',
      'generate:0',
      'tick:1',
      'tick:0',
      'tick:1',
      'tick:0',
      'tick:1',
    ]);
    // The watermark stays at 3 (partition 1's largest event time) until the end of input.
    expect(results).toEqual([
      [
        { key: 'a', windowStart: 0, windowEnd: 10, value: 1 },
        { key: 'b', windowStart: 0, windowEnd: 10, value: 1 },
        { key: 'a', windowStart: 10, windowEnd: 20, value: 1 },
        { key: 'a', windowStart: 20, windowEnd: 30, value: 1 },
      ],
    ]);
  });

  it('counts late records, hands them to lateRecords() and dead-letters them with their bytes', async () => {
    const { run, results, late, deadLetters } = windowedEngine([
      [[e('a', 15)], [e('b', 14)]],
      [[e('a', 2)], [e('b', 30)]],
      [[e('a', 40)], []],
    ]);
    expect(await run.run()).toMatchObject({ batches: 4, records: 5, late: 1 });
    // After the first batch the watermark is 14: the event at 2 is late in the second.
    expect(late).toEqual([
      { topic: 't', partition: 0, offset: '1', eventTime: 2, watermark: 14, value: ['a', 1] },
    ]);
    expect(deadLetters).toEqual([
      {
        topic: 't',
        partition: 0,
        offset: 1n,
        error: 'late record: event time 2 is older than the watermark 14',
        key: null,
        value: Buffer.from(JSON.stringify(e('a', 2))),
      },
    ]);
    expect(results.flat()).toEqual([
      { key: 'a', windowStart: 10, windowEnd: 20, value: 1 },
      { key: 'b', windowStart: 10, windowEnd: 20, value: 1 },
      { key: 'b', windowStart: 30, windowEnd: 40, value: 1 },
      { key: 'a', windowStart: 40, windowEnd: 50, value: 1 },
    ]);
  });

  it('an idle partition stops holding the watermark back; an unowned one is not run', async () => {
    let asked = 0;
    // Partition 2 is revoked after the first batch.
    const owned = () => (asked++ === 0 ? [0, 1, 2] : [0, 1]);
    const { run, results, tasks } = windowedEngine(
      [
        [[e('a', 5)], [e('b', 6)], []],
        [[e('a', 25)], [], []],
        [[], [], []],
        [[], [], []],
      ],
      { owned, idleTimeoutMs: 1200 },
    );
    await run.run();
    // Partition 2 never brings records and is dropped after the first batch.
    expect(tasks.filter((task) => task.endsWith(':2'))).toEqual(['tick:2']);
    // Batches are more than 1,200 ms of engine clock apart: partition 1, without records since the
    // first batch, is idle after the second, so the watermark moves to 25 and the window [0, 10)
    // fires in the third batch, before the end of input.
    expect(results[0]).toEqual([
      { key: 'a', windowStart: 0, windowEnd: 10, value: 1 },
      { key: 'b', windowStart: 0, windowEnd: 10, value: 1 },
    ]);
    expect(results.at(-1)).toEqual([{ key: 'a', windowStart: 20, windowEnd: 30, value: 1 }]);
  });
});
