import { describe, expect, it } from 'vitest';
import {
  type BatchFailure,
  type BatchInFlight,
  type BatchSource,
  type BatchStats,
  Engine,
  type EngineOptions,
  type PartitionWork,
  pollForData,
  type Trigger,
} from '../../src/coordinator/index.ts';
import { type OffsetRange, silentLogger, toOffset } from '../../src/core/index.ts';
import { buildGraph, defineJob, Plan } from '../../src/dsl/index.ts';
import { Outputs } from '../../src/sinks/index.ts';
import { generatedWork } from '../../src/sources/index.ts';
import { type RecordInput, runPartition } from '../../src/task/index.ts';

/** A source that hands out `batches` batches of one record each, then ends. */
function scriptedSource(batches: number, onCommit: (ranges: readonly OffsetRange[]) => void): BatchSource {
  let next = 0;
  return {
    name: 'scripted',
    async next() {
      if (next >= batches) return 'end';
      const offset = BigInt(next++);
      return [
        generatedWork({
          topic: 't',
          partition: 0,
          fromOffset: toOffset(offset),
          untilOffset: toOffset(offset + 1n),
        }),
      ];
    },
    async commit(ranges) {
      onCommit(ranges);
    },
    waitForData: pollForData,
    interrupt() {},
    async close() {},
  };
}

function inThreadSlots(plan: Plan) {
  return {
    async run(
      topic: string,
      partition: number,
      task: Parameters<PartitionWork['task']>[0] extends never ? never : ReturnType<PartitionWork['task']>,
    ) {
      if (!('info' in task)) throw new Error(`unexpected ${task.type} task`);
      const offset = task.type === 'generate' ? task.fromOffset : 0;
      const input: RecordInput = {
        topic,
        partition,
        count: 1,
        offset: () => toOffset(BigInt(offset)),
        raw: () => ({ key: null, value: null }),
        record: () => ({
          topic,
          partition,
          offset: toOffset(BigInt(offset)),
          timestamp: 0,
          key: null,
          value: offset,
        }),
      };
      return runPartition(plan, input, task.info, 'fail');
    },
  };
}

/** An engine over `source` with slots in this thread and the file's settings. */
function scriptedEngine(
  plan: Plan,
  source: BatchSource,
  trigger: Trigger,
  extra: Partial<EngineOptions> = {},
): Engine {
  return new Engine({
    plan,
    slots: inThreadSlots(plan),
    source,
    assignment: undefined,
    replay: undefined,
    outputs: new Outputs(),
    trigger,
    intervalMs: 1000,
    commitIntervalMs: 250,
    log: silentLogger,
    ...extra,
  });
}

function engine(trigger: Trigger, batches: number, options: { failOn?: number; clock?: () => number } = {}) {
  const commits: string[][] = [];
  const seen: number[] = [];
  const plan = new Plan(
    buildGraph(
      defineJob((ctx) => {
        ctx
          .stream()
          .map((r) => r.value as number)
          .foreachBatch((values) => {
            if (values[0] === options.failOn) throw new Error('sink down');
            seen.push(...(values as number[]));
          });
      }),
      {},
    ),
  );
  const source = scriptedSource(batches, (ranges) =>
    commits.push(ranges.map((r) => `${r.fromOffset}-${r.untilOffset}`)),
  );
  const run = scriptedEngine(plan, source, trigger, {
    ...(options.clock ? { now: options.clock } : {}),
  });
  return { run, commits, seen };
}

/** A job that records each batch's time. */
function batchTimesPlan(times: number[]): Plan {
  return new Plan(
    buildGraph(
      defineJob((ctx) =>
        ctx
          .stream()
          .count()
          .foreachBatch((_v, info) => void times.push(info.time)),
      ),
      {},
    ),
  );
}

describe('engine', () => {
  it('available-now: every batch is written, then committed, and the run ends with the source', async () => {
    const { run, commits, seen } = engine('available-now', 3);
    expect(await run.run()).toEqual({ batches: 3, records: 3, decodeErrors: 0, late: 0 });
    expect(seen).toEqual([0, 1, 2]);
    expect(commits).toEqual([['0-1'], ['1-2'], ['2-3']]);
  });

  it('continuous: commits on the commit interval, and what is left when it stops', async () => {
    let time = 0;
    // Each clock read advances 20 ms (about 120 ms per batch); commits come every 250 ms.
    const clock = () => {
      time += 20;
      return time;
    };
    const { run, commits, seen } = engine('continuous', 5, { clock });
    await run.run();
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(commits).toEqual([
      ['0-1', '1-2', '2-3'],
      ['3-4', '4-5'],
    ]);
  });

  it('a failing output stops the run before anything of that batch is committed', async () => {
    const { run, commits, seen } = engine('available-now', 3, { failOn: 1 });
    await expect(run.run()).rejects.toMatchObject({
      code: 'SLUICE_SINK',
      message: 'output 2 (foreachBatch) failed for batch 1: sink down',
    });
    expect(seen).toEqual([0]);
    expect(commits).toEqual([['0-1']]);
  });

  /** A micro-batch engine of `batches` batches on interval 10 that records each batch's time. */
  async function batchTimes(
    batches: number,
    clock: Pick<EngineOptions, 'now' | 'onBatch'>,
  ): Promise<number[]> {
    const times: number[] = [];
    const plan = batchTimesPlan(times);
    await new Engine({
      plan,
      slots: inThreadSlots(plan),
      source: scriptedSource(batches, () => {}),
      assignment: undefined,
      replay: undefined,
      outputs: new Outputs(),
      trigger: 'micro-batch',
      intervalMs: 10,
      commitIntervalMs: 10,
      log: silentLogger,
      ...clock,
    }).run();
    return times;
  }

  it('micro-batch: batch times are multiples of the interval', async () => {
    let now = 1_234;
    const times = await batchTimes(2, { now: () => (now += 3) });
    expect(times.length).toBe(2);
    for (const time of times) expect(time % 10).toBe(0);
  });

  it('micro-batch: a timer that fires early never gives two batches the same time', async () => {
    // After each batch the clock reads 1 ms before its time, as after a timer that fired early.
    let now = 1_234;
    const times = await batchTimes(3, {
      now: () => now,
      onBatch: (stats) => {
        now = stats.info.time - 1;
      },
    });
    expect(times).toEqual([1_240, 1_250, 1_260]);
  });

  it('inFlight() names the batch running, its records and its step, and nothing once it is done', async () => {
    const seen: (BatchInFlight | undefined)[] = [];
    const plan = new Plan(
      buildGraph(
        defineJob((ctx) =>
          ctx
            .stream()
            .count()
            .foreachBatch(() => void seen.push(run.inFlight())),
        ),
        {},
      ),
    );
    const slots = inThreadSlots(plan);
    const run: Engine = new Engine({
      plan,
      slots: {
        run: (...args: Parameters<typeof slots.run>) => {
          seen.push(run.inFlight());
          return slots.run(...args);
        },
      },
      source: scriptedSource(2, () => seen.push(run.inFlight())),
      assignment: undefined,
      replay: undefined,
      outputs: new Outputs(),
      trigger: 'available-now',
      intervalMs: 10,
      commitIntervalMs: 10,
      log: silentLogger,
      now: () => 5_000,
    });
    expect(run.inFlight()).toBeUndefined();
    await run.run();
    const batch = (batchId: number, step: BatchInFlight['step']) => ({
      batchId,
      records: 1,
      startedAt: 5_000,
      step,
    });
    expect(seen).toEqual([
      batch(0, 'processing'),
      batch(0, 'writing outputs'),
      batch(0, 'committing'),
      batch(1, 'processing'),
      batch(1, 'writing outputs'),
      batch(1, 'committing'),
    ]);
    expect(run.inFlight()).toBeUndefined();
  });

  it('stop() interrupts a source that waits for data, and the run ends without an empty batch', async () => {
    let release: () => void = () => {};
    const source: BatchSource = {
      name: 'waiting',
      next: () =>
        new Promise((resolve) => {
          release = () => resolve([]);
        }),
      commit: async () => {},
      waitForData: pollForData,
      interrupt: () => release(),
      close: async () => {},
    };
    const plan = new Plan(
      buildGraph(
        defineJob((ctx) =>
          ctx
            .stream()
            .count()
            .foreachBatch(() => {}),
        ),
        {},
      ),
    );
    const run = new Engine({
      plan,
      slots: inThreadSlots(plan),
      source,
      assignment: undefined,
      replay: undefined,
      outputs: new Outputs(),
      trigger: 'available-now',
      intervalMs: 10,
      commitIntervalMs: 10,
      log: silentLogger,
    });
    const done = run.run();
    await new Promise((resolve) => setTimeout(resolve, 20));
    run.stop();
    expect(await done).toEqual({ batches: 0, records: 0, decodeErrors: 0, late: 0 });
  });
});

describe("the engine's batch profiles (the dashboard's drill-down)", () => {
  it('counts each operator’s records out per batch, and tells the failed batch with its step and error', async () => {
    const stats: BatchStats[] = [];
    const failures: BatchFailure[] = [];
    const plan = new Plan(
      buildGraph(
        defineJob((ctx) => {
          ctx
            .stream()
            .map((r) => r.value as number)
            .filter((value) => value % 2 === 0)
            .count()
            .foreachBatch((_values, info) => {
              if (info.batchId === 2) throw new Error('sink down in batch 2');
            });
        }),
        {},
      ),
    );
    const run = scriptedEngine(
      plan,
      scriptedSource(4, () => {}),
      'available-now',
      {
        onBatch: (batch) => stats.push(batch),
        onBatchFailed: (failure) => failures.push(failure),
      },
    );
    await expect(run.run()).rejects.toThrow('sink down in batch 2');
    // Nodes: source 0, map 1, filter 2 (slot); count 3, output 4 (main). Batch 0 holds value 0, batch 1 value 1.
    expect(stats.map((batch) => batch.operators?.map(({ node, out }) => [node, out]))).toEqual([
      [
        [0, 1],
        [1, 1],
        [2, 1],
        [3, 1],
        [4, 1],
      ],
      [
        [0, 1],
        [1, 1],
        [2, 0],
        [3, 1],
        [4, 1],
      ],
    ]);
    // Main-thread operators have a time, slot ones not (chained per record in the slot).
    expect(stats[0]?.operators?.map(({ ms }) => ms !== undefined)).toEqual([false, false, false, true, true]);
    expect(
      stats[0]?.partitions?.map(({ topic, partition, records, late }) => [topic, partition, records, late]),
    ).toEqual([['t', 0, 1, 0]]);
    expect(
      stats[0]?.outputs?.map(({ node, sink, records, attempts }) => [node, sink, records, attempts]),
    ).toEqual([[4, 'foreachBatch', 1, 1]]);
    expect(
      failures.map(({ info, step, error }) => [
        info.batchId,
        info.offsetRanges.map((r) => `${r.fromOffset}-${r.untilOffset}`),
        step,
        (error as Error).message,
      ]),
    ).toEqual([
      [2, ['2-3'], 'writing outputs', 'output 4 (foreachBatch) failed for batch 2: sink down in batch 2'],
    ]);
  });
});
