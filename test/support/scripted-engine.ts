// A scripted source and in-thread slots for engine tests: batches as counts per partition of topic
// `t`, every record's value `<partition>:<offset>`.

import {
  type Assignment,
  type BatchSource,
  type PartitionWork,
  pollForData,
} from '../../src/coordinator/index.ts';
import { toOffset } from '../../src/core/index.ts';
import { buildGraph, defineJob, Plan } from '../../src/dsl/index.ts';
import { generatedWork } from '../../src/sources/index.ts';
import type { SlotTask } from '../../src/task/index.ts';
import { type RecordInput, runPartition } from '../../src/task/index.ts';

/** Per batch, how many records each partition of topic `t` brings (0: none). */
export type Script = readonly (readonly number[])[];

export function scriptedSource(script: Script, events: string[]): BatchSource {
  const offsets = new Map<number, number>();
  let next = 0;
  return {
    name: 'scripted',
    async next() {
      const batch = script[next++];
      if (!batch) return 'end';
      const work: PartitionWork[] = [];
      batch.forEach((count, partition) => {
        if (count === 0) return;
        const from = offsets.get(partition) ?? 0;
        offsets.set(partition, from + count);
        work.push(
          generatedWork({
            topic: 't',
            partition,
            fromOffset: toOffset(BigInt(from)),
            untilOffset: toOffset(BigInt(from + count)),
          }),
        );
      });
      return work;
    },
    async commit(ranges) {
      events.push(`commit ${ranges.map((r) => `${r.partition}:${r.fromOffset}-${r.untilOffset}`).join(' ')}`);
    },
    waitForData: pollForData,
    interrupt() {},
    async close() {},
  };
}

/** Partitions of topic `t` assigned to this instance: `owned` says which now; none is revoked. */
export function scriptedAssignment(owned: () => number[]): Assignment {
  return {
    async ready() {},
    owned: () => owned().map((partition) => ({ topic: 't', partition })),
    position: () => undefined,
    onRevoking() {},
  };
}

export function inThreadSlots(plan: Plan) {
  return {
    async run(topic: string, partition: number, task: SlotTask) {
      if (task.type !== 'generate') throw new Error(`unexpected ${task.type} task`);
      const { fromOffset, count } = task;
      const input: RecordInput = {
        topic,
        partition,
        count,
        offset: (i) => toOffset(BigInt(fromOffset + i)),
        raw: () => ({ key: null, value: null }),
        record: (i) => ({
          topic,
          partition,
          offset: toOffset(BigInt(fromOffset + i)),
          timestamp: 0,
          key: null,
          value: `${partition}:${fromOffset + i}`,
        }),
      };
      return runPartition(plan, input, task.info, 'fail');
    },
  };
}

/** A job that writes `output <batch id>: <values>` to `events` for each batch. */
export function loggingPlan(events: string[]): Plan {
  return new Plan(
    buildGraph(
      defineJob((ctx) => {
        ctx
          .stream()
          .map((r) => r.value as string)
          .foreachBatch((values, info) => void events.push(`output ${info.batchId}: ${values.join(' ')}`));
      }),
      {},
    ),
  );
}
