// The engine hands a batch's slots the partition counts of its toKafka outputs' topics when the
// output port knows them, and the output then carries the slots' record batches.
import { describe, expect, it } from 'vitest';
import { Engine, type OutputBatch, type PartitionWork, pollForData } from '../../src/coordinator/index.ts';
import { partitionHash, silentLogger, toOffset } from '../../src/core/index.ts';
import { buildGraph, defineJob, Plan } from '../../src/dsl/index.ts';
import { generatedWork } from '../../src/sources/index.ts';
import { decodeResult, type SlotTask, TaskRunner, writtenValues } from '../../src/task/index.ts';
import { workerInit } from '../support/worker-init.ts';

const job = defineJob((ctx) => {
  ctx
    .stream<{ user: string }>()
    .map((record) => [record.value.user, record.offset])
    .toKafka('out');
});

async function runOnce(partitions: number | undefined) {
  const graph = buildGraph(job, {});
  const plan = new Plan(graph);
  const runner = new TaskRunner(workerInit(graph, { generator: { seed: 3, partitions: 2 } }), graph);
  const tasks: SlotTask[] = [];
  const written: OutputBatch[] = [];
  const asked: string[] = [];
  let batches = 0;
  const engine = new Engine({
    plan,
    slots: {
      async run(_topic: string, _partition: number, task: SlotTask) {
        tasks.push(task);
        const output = runner.run(task);
        if (!(output instanceof Uint8Array)) throw new Error('expected a partition result');
        return decodeResult(output);
      },
    },
    source: {
      name: 'scripted',
      async next(): Promise<PartitionWork[] | 'end'> {
        if (batches++ > 0) return 'end';
        return [0, 1].map((partition) =>
          generatedWork({ topic: 'gen', partition, fromOffset: toOffset(0n), untilOffset: toOffset(50n) }),
        );
      },
      async commit() {},
      waitForData: pollForData,
      interrupt() {},
      async close() {},
    },
    assignment: undefined,
    replay: undefined,
    outputs: {
      async write(outputs) {
        written.push(...outputs);
      },
      interrupt() {},
      async slotPartitions(topic) {
        asked.push(topic);
        return partitions;
      },
    },
    trigger: 'available-now',
    intervalMs: 1000,
    commitIntervalMs: 1000,
    log: silentLogger,
  });
  await engine.run();
  return { tasks, written, asked };
}

describe('toKafka record batches from the slots', () => {
  it("go to the output when the port names the topic's partitions, each record in its key's", async () => {
    const { tasks, written, asked } = await runOnce(5);
    expect(asked).toEqual(['out']);
    // Node 2: source, map, toKafka.
    expect(tasks.map((task) => ('sinks' in task ? task.sinks : undefined))).toEqual([[[2, 5]], [[2, 5]]]);
    expect(written).toHaveLength(1);
    const [output] = written;
    expect(output?.encoded?.count).toBe(100);
    expect(output?.encoded?.parts).toEqual([]);
    const batches = output?.encoded?.batches ?? [];
    const values =
      output?.sink.type === 'kafka'
        ? writtenValues(output.sink, output.encoded ?? { count: 0, parts: [] })
        : [];
    expect(values).toHaveLength(100);
    // Every batch's records are of users that murmur2 puts in its partition.
    for (const [partition, batch] of batches) {
      const users = writtenValues(
        { type: 'kafka', topic: 'out', partitioner: 'murmur2', compression: 'none' },
        { count: 0, parts: [], batches: [[partition, batch]] },
      ).map((value) => (value as [string, string])[0]);
      for (const user of users) expect(partitionHash('murmur2', Buffer.from(user), null) % 5).toBe(partition);
    }
  });

  it('are records for the producer when the port does not know the partitions', async () => {
    const { tasks, written } = await runOnce(undefined);
    expect(tasks.every((task) => !('sinks' in task))).toBe(true);
    expect(written[0]?.encoded?.batches).toBeUndefined();
    expect(written[0]?.encoded?.count).toBe(100);
  });
});
