import { describe, expect, it } from 'vitest';
import type { BatchInfo } from '../../src/core/index.ts';
import { buildGraph, defineJob, type Graph, Plan } from '../../src/dsl/index.ts';
import {
  decodeResult,
  encodeBatch,
  type GivenValues,
  type SlotSnapshot,
  type SlotTask,
  TaskRunner,
  type WorkerInit,
} from '../../src/task/index.ts';
import { workerInit } from '../support/worker-init.ts';

// The worker slot's task handling, run in this thread: what worker.ts does with each task.

const wordCount = defineJob((ctx) => {
  ctx
    .stream<string>()
    .flatMap((record) => record.value.split(' '))
    .countByValue()
    .foreachBatch(() => {});
});
const tumbling = defineJob((ctx) => {
  ctx
    .stream<string>()
    .map((record) => record.value)
    .window(2000)
    .countByValue()
    .foreachBatch(() => {});
});

/** The slot's clock, for records' ages: fixed, so that two runs' results are equal. */
const CLOCK = 1_800_000_000_000;

function runner(graph: Graph, options: Partial<WorkerInit> = {}, given?: GivenValues): TaskRunner {
  return new TaskRunner(workerInit(graph, options), graph, given, () => CLOCK);
}

const info = (batchId: number): BatchInfo => ({
  batchId,
  time: 1000 * (batchId + 1),
  intervalMs: 1000,
  offsetRanges: [],
});

function kafkaTask(batchId: number, values: readonly (string | Uint8Array | null)[]): SlotTask {
  const messages = values.map((value, index) => ({
    key: Buffer.from(`k${index}`),
    value: typeof value === 'string' ? Buffer.from(value) : value,
    offset: String(10 + index),
    timestamp: String(5000 + index),
  }));
  const encoded = encodeBatch({ topic: 't', partition: 3, messages });
  return { type: 'kafka', info: info(batchId), buffer: encoded.buffer, byteLength: encoded.byteLength };
}

function result(output: unknown) {
  expect(output).toBeInstanceOf(Uint8Array);
  return decodeResult(output as Uint8Array);
}

describe('TaskRunner', () => {
  it('decodes a kafka task from its batch bytes and returns the result as msgpack', () => {
    const run = result(runner(buildGraph(wordCount, {})).run(kafkaTask(0, ['a b', 'a'])));
    expect(run).toMatchObject({ topic: 't', partition: 3, records: 2, decodeErrors: 0 });
    expect(run.exports).toEqual([
      expect.objectContaining({
        kind: 'pairs',
        pairs: [
          ['a', 2],
          ['b', 1],
        ],
      }),
    ]);
  });

  it('a value its format cannot decode is a failure of the record, under the decode policy', () => {
    const invalid = Uint8Array.of(0xff, 0xfe);
    const run = result(runner(buildGraph(wordCount, {})).run(kafkaTask(0, ['a', invalid])));
    expect(run.decodeErrors).toBe(1);
    expect(run.failures).toEqual([
      { topic: 't', partition: 3, offset: 11n, error: 'value is not valid UTF-8' },
    ]);
  });

  it('given values reach the job as they are, in place of the bytes', () => {
    const given: GivenValues = (topic, partition, index) =>
      topic === 't' && partition === 3 && index === 1 ? { value: 'given given' } : undefined;
    const run = result(runner(buildGraph(wordCount, {}), {}, given).run(kafkaTask(0, ['a', null])));
    expect(run.exports).toEqual([
      expect.objectContaining({
        pairs: [
          ['a', 1],
          ['given', 2],
        ],
      }),
    ]);
  });

  it('keeps window state per partition across tasks; snapshot, restore and forget move it', () => {
    const graph = buildGraph(tumbling, {});
    const first = runner(graph);
    result(first.run(kafkaTask(0, ['x', 'y'])));
    const { state, nodeBytes } = first.run({ type: 'snapshot', topic: 't', partition: 3 }) as SlotSnapshot;
    expect(state).toBeInstanceOf(Uint8Array);
    // The one window operation is all of the state but the list's one-byte header.
    const window = new Plan(graph).windows[0]?.id;
    expect(nodeBytes).toEqual([[window, state.byteLength - 1]]);

    const second = runner(graph);
    second.run({ type: 'restore', topic: 't', partition: 3, state });
    const tick = (batchId: number): SlotTask => ({
      type: 'tick',
      info: info(batchId),
      topic: 't',
      partition: 3,
    });
    expect(result(second.run(tick(1))).fired).toEqual([window]);

    first.run({ type: 'forget', topic: 't', partition: 3 });
    expect(result(first.run(tick(1))).fired ?? []).toEqual([]);
  });

  it('a graph other than the main thread one fails every batch with SLUICE_JOB_MISMATCH', () => {
    const run = result(runner(buildGraph(wordCount, {}), { signature: 'other' }).run(kafkaTask(0, ['a'])));
    expect(run.fatal?.code).toBe('SLUICE_JOB_MISMATCH');
    expect(run.fatal?.message).toMatch(/built a different graph in a worker/);
  });

  it('returns a batch result at once for a job without asynchronous operators, a Promise of it for one with', async () => {
    expect(runner(buildGraph(wordCount, {})).run(kafkaTask(0, ['a b']))).toBeInstanceOf(Uint8Array);
    const enriching = buildGraph(
      defineJob((ctx) => {
        ctx
          .stream<string>()
          .mapAsync(async (record) => record.value.toUpperCase())
          .foreachBatch(() => {});
      }),
      {},
    );
    const progress = new SharedArrayBuffer(4);
    const output = runner(enriching, { progress }).run(kafkaTask(0, ['a', 'b']));
    expect(output).toBeInstanceOf(Promise);
    const run = result(await output);
    expect(run.exports).toEqual([{ node: 1, kind: 'records', values: ['A', 'B'] }]);
    // Each settled call counts, for the main thread's stall watchdog.
    expect(Atomics.load(new Int32Array(progress), 0)).toBe(2);
  });
});
