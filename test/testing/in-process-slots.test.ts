import { describe, expect, it } from 'vitest';
import type { BatchInfo } from '../../src/core/index.ts';
import { buildGraph, defineJob } from '../../src/dsl/index.ts';
import { encodeBatch, TaskRunner } from '../../src/task/index.ts';
import { InProcessSlots } from '../../src/testing/in-process-slots.ts';

// Slots in this thread: a TaskRunner's results come back through the slots' msgpack codec.

const graph = buildGraph(
  defineJob((ctx) => {
    ctx
      .stream<string>()
      .map((record) => record.value)
      .window(2000)
      .count()
      .foreachBatch(() => {});
  }),
  {},
);
const info: BatchInfo = { batchId: 0, time: 1000, intervalMs: 1000, offsetRanges: [] };

function slots(): InProcessSlots {
  return new InProcessSlots(
    new TaskRunner(
      {
        jobPath: 'job.ts',
        env: {},
        signature: graph.signature(),
        valueFormat: 'string',
        decodePolicy: 'fail',
        latePolicy: 'count',
        maxEventTimeAheadMs: Number.POSITIVE_INFINITY,
        generator: { seed: 1, partitions: 1 },
      },
      graph,
    ),
  );
}

describe('InProcessSlots', () => {
  it('runs a batch in the task runner and decodes its result', async () => {
    const encoded = encodeBatch({
      topic: 't',
      partition: 0,
      messages: [{ key: null, value: Buffer.from('a'), offset: '0', timestamp: '0' }],
    });
    const inThread = slots();
    const result = await inThread.run('t', 0, {
      type: 'kafka',
      info,
      buffer: encoded.buffer,
      byteLength: encoded.byteLength,
    });
    expect(result).toMatchObject({ topic: 't', partition: 0, records: 1, stateEntries: 1 });

    const state = await inThread.snapshot('t', 0);
    const other = slots();
    await other.restore('t', 0, state.state);
    const tick = {
      type: 'tick',
      info: { ...info, batchId: 1, time: 2000 },
      topic: 't',
      partition: 0,
    } as const;
    expect((await other.run('t', 0, tick)).fired?.length).toBe(1);
    inThread.release('t', 0);
    expect((await inThread.run('t', 0, tick)).fired ?? []).toEqual([]);
  });

  it('throws a task error as it is', async () => {
    const layout = { topic: 't', partitions: 1 };
    await expect(
      slots().keyed({
        type: 'state',
        info,
        layout,
        partition: 0,
        node: 99,
        groups: new Uint8Array(),
        parts: [],
        snapshot: false,
      }),
    ).rejects.toThrow('node 99 is not a state operation of this job');
  });
});
