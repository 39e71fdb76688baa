import { resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  Engine,
  type OutputBatch,
  Slots,
  WindowExchange,
  WindowMerger,
} from '../../src/coordinator/index.ts';
import { silentLogger } from '../../src/core/index.ts';
import { buildGraph, defineJob, Plan } from '../../src/dsl/index.ts';
import aggregate from '../../src/jobs/aggregate.ts';
import { BatchView, type SlotTask, statePartitionOf, TaskRunner } from '../../src/task/index.ts';
import { TestDriver, type TestRecord } from '../../src/testing/index.ts';
import { MemorySource } from '../../src/testing/memory-source.ts';
import { WatermarkTracker } from '../../src/window/index.ts';

// The TestDriver runs what a run runs: the engine, the slots' task runner decoding the batch
// bytes the Kafka source writes, the engine's window merge and ticks.

afterEach(() => {
  vi.restoreAllMocks();
});

const words = defineJob((ctx) => {
  ctx
    .stream<string>()
    .flatMap((record) => record.value.split(' '))
    .countByValue()
    .foreachBatch(() => {});
});

describe('TestDriver', () => {
  it('runs each batch through the engine, the records as a kafka task of encoded bytes', async () => {
    const batches = vi.spyOn(Engine.prototype, 'runBatch');
    const tasks: SlotTask[] = [];
    const run = TaskRunner.prototype.run;
    vi.spyOn(TaskRunner.prototype, 'run').mockImplementation(function (this: TaskRunner, task) {
      tasks.push(task);
      return run.call(this, task);
    });
    const driver = new TestDriver(words, { valueFormat: 'string', topic: 't' });
    const batch = await driver.runBatch([
      { partition: 2, key: 'k', timestamp: 9, bytes: 'a b' },
      { partition: 2, bytes: 'b' },
    ]);
    expect(batch.outputs[0]?.values).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    expect(batches).toHaveBeenCalledTimes(1);
    const [task] = tasks;
    if (task?.type !== 'kafka') throw new Error(`expected a kafka task, got ${task?.type}`);
    const view = new BatchView(task.buffer, task.byteLength);
    expect([view.topic, view.partition, view.count, view.timestamp(0)]).toEqual(['t', 2, 2, 9]);
    expect([view.valueString(0), view.valueString(1)]).toEqual(['a b', 'b']);
  });

  it('a decode failure is the task runner decoding the batch bytes, under the decode policy', async () => {
    const driver = new TestDriver(words, { decodePolicy: 'dlq' });
    const batch = await driver.runBatch([
      { key: 'k1', bytes: '"a"' },
      { key: 'k2', bytes: '{not json' },
      { key: 'k3', bytes: Uint8Array.of(0xff) },
    ]);
    expect(batch.decodeErrors).toBe(2);
    expect(
      batch.failures.map(({ offset, key, value, error }) => ({
        offset,
        key: Buffer.from(key ?? []).toString(),
        value: Buffer.from(value ?? []).toString('hex'),
        error,
      })),
    ).toEqual([
      {
        offset: 1n,
        key: 'k2',
        value: Buffer.from('{not json').toString('hex'),
        error: expect.stringMatching(/in JSON at position 1/),
      },
      // The decoder's own check of the bytes, before JSON: only bytes can fail it.
      { offset: 2n, key: 'k3', value: 'ff', error: 'value is not valid UTF-8' },
    ]);
    expect(batch.outputs[0]?.values).toEqual([['a', 1]]);

    const failing = new TestDriver(words);
    const stopped = await failing.runBatch([{ bytes: '{not json' }]);
    expect(stopped.fatal?.code).toBe('SLUICE_DECODE');
    expect(stopped.outputs).toEqual([]);
    expect((await failing.runBatch([{ bytes: '"b"' }])).outputs[0]?.values).toEqual([['b', 1]]);
  });

  it('a window across two partitions merges as the engine over worker slots merges it (no exchange)', async () => {
    const env = { SLUICE_WINDOW_MS: '3000', SLUICE_SLIDE_MS: '1000' };
    const json = (partition: number, url: string): TestRecord => ({
      partition,
      bytes: JSON.stringify({ url }),
    });
    const batches: TestRecord[][] = [
      [json(0, '/a'), json(1, '/a'), json(1, '/b')],
      [json(0, '/a')],
      [],
      [json(1, '/b')],
      [],
      [],
    ];
    const driver = new TestDriver(aggregate, { env, partitions: [0, 1] });
    const driven: unknown[] = [];
    for (const records of batches) driven.push((await driver.runBatch(records)).outputs[0]?.values);
    driven.push((await driver.endOfInput()).outputs[0]?.values);

    expect(driven).toEqual(await inWorkerSlots(env, batches));
    expect(driven[0]).toEqual([
      { key: '/a', windowStart: -2000, windowEnd: 1000, value: 2 },
      { key: '/b', windowStart: -2000, windowEnd: 1000, value: 1 },
    ]);
  });

  it('window aggregations merge through the window exchange, which waits for every partition', async () => {
    const merge = vi.spyOn(WindowExchange.prototype, 'merge');
    const env = { SLUICE_WINDOW_MS: '2000' };
    const urls = ['/a', '/b', '/c', '/d', '/e', '/f'];
    const records = urls.map((url): TestRecord => ({ bytes: JSON.stringify({ url }) }));
    const theirs = urls.filter((url) => statePartitionOf(url, 2) === 1);
    expect(theirs.length).toBeGreaterThan(0);

    // One instance of two: it owns input partition 0, and state partition 0 with it.
    const driver = new TestDriver(aggregate, { env, partitions: [0], partitionCount: 2 });
    await driver.runBatch(records);
    const fired = await driver.runBatch([]);
    expect(merge).toHaveBeenCalled();
    // The window waits for partition 1's progress, from the instance that owns it.
    expect(fired.outputs).toEqual([]);
    const partials = fired.forwards.flatMap((forward) =>
      'message' in forward && forward.message.type === 'partials' ? [forward] : [],
    );
    expect(partials.map((forward) => forward.partition)).toEqual([1]);
    expect(partials[0]?.message.type === 'partials' && partials[0].message.pairs.map(([key]) => key)).toEqual(
      theirs,
    );

    // The only instance: every window is complete once its partitions fired through its end.
    const alone = new TestDriver(aggregate, { env });
    await alone.runBatch(records);
    const all = await alone.runBatch([]);
    expect(all.forwards).toEqual([]);
    const rows = (all.outputs[0]?.values ?? []) as { key: string }[];
    expect(rows.map((row) => row.key).sort()).toEqual(urls);
  });
});

/** The same batches through an engine whose slots are worker threads, as `startApp` wires them. */
async function inWorkerSlots(
  env: Readonly<Record<string, string>>,
  batches: readonly (readonly TestRecord[])[],
): Promise<unknown[]> {
  const graph = buildGraph(aggregate, env);
  const plan = new Plan(graph);
  const slots = new Slots(2, {
    jobPath: resolve('src/jobs/aggregate.ts'),
    env,
    signature: graph.signature(),
    valueFormat: 'json',
    decodePolicy: 'fail',
    latePolicy: 'count',
    maxEventTimeAheadMs: Number.POSITIVE_INFINITY,
    generator: { seed: 1, partitions: 2 },
  });
  const source = new MemorySource({ topic: 'input', partitions: [0, 1] });
  const written: OutputBatch[][] = [];
  const engine = new Engine({
    plan,
    slots,
    source,
    assignment: source,
    replay: source,
    outputs: { write: async (outputs) => void written.push([...outputs]), interrupt: () => {} },
    trigger: 'available-now',
    intervalMs: 1000,
    commitIntervalMs: 0,
    log: silentLogger,
    windows: {
      merger: new WindowMerger(),
      watermark: new WatermarkTracker(plan.watermarks, Number.POSITIVE_INFINITY),
    },
  });
  try {
    for (const [batchId, records] of batches.entries()) {
      source.push(records);
      const work = await source.next();
      if (work === 'end') throw new Error('unexpected end');
      await engine.runBatch(batchId, 1000 * (batchId + 1), work);
    }
    await engine.runBatch(batches.length, 1000 * (batches.length + 1), [], Number.POSITIVE_INFINITY);
  } finally {
    await slots.close();
  }
  return written.map((outputs) => outputs[0]?.values);
}
