/** What a batch's partitions, operators and outputs did, from the slots' results and the merge: the dashboard's drill-down. */
import type { Plan } from '../dsl/index.ts';
import type { PartitionResult } from '../task/index.ts';

/** One partition's part of a batch, as its slot reported it. */
export type PartitionProfile = {
  readonly topic: string;
  readonly partition: number;
  readonly records: number;
  readonly late: number;
  readonly decodeErrors: number;
  /** How long its slot ran the batch through the job, ms (undefined: the slot did not say). */
  readonly slotMs?: number;
  /** Per window operation, `[node, keys (or records of window())]` its state holds after the batch. */
  readonly windowEntries?: readonly (readonly [number, number])[];
};

/** One operator (plan node) over a batch: values it handed on, and its time on each side. */
export type OperatorProfile = {
  readonly node: number;
  readonly out: number;
  /** Main-thread nodes only: the main thread's time on it, measured. */
  readonly ms?: number;
  /**
   * Its own time in the slots, summed over the partitions, estimated from one value in 64 timed
   * through the chain: slot nodes, and the slot side (partials) of main-thread aggregations.
   */
  readonly sampledMs?: number;
};

/** One output's write in a batch: its values, time and attempts (1 without a retry). */
export type OutputProfile = {
  readonly node: number;
  readonly sink: string;
  readonly records: number;
  readonly ms: number;
  readonly attempts: number;
};

/** The main thread's figures per node, filled while it merges a batch. */
export class MainProfile {
  readonly out = new Map<number, number>();
  readonly ms = new Map<number, number>();

  node(id: number, out: number, ms: number): void {
    this.out.set(id, out);
    this.ms.set(id, ms);
  }
}

export function partitionProfiles(results: readonly PartitionResult[]): PartitionProfile[] {
  return results.map((result) => ({
    topic: result.topic,
    partition: result.partition,
    records: result.records,
    late: result.late ?? 0,
    decodeErrors: result.decodeErrors,
    ...(result.slotMs === undefined ? {} : { slotMs: result.slotMs }),
    ...(result.windowEntries ? { windowEntries: result.windowEntries } : {}),
  }));
}

/** Per node of the plan: slot nodes' values summed over the partitions, main nodes' from the merge. */
export function operatorProfiles(
  plan: Plan,
  results: readonly PartitionResult[],
  main: MainProfile,
): OperatorProfile[] {
  return plan.nodes.map((node) => {
    let sampled = 0;
    let timed = false;
    for (const result of results) {
      const ms = result.operatorMs?.[node.id];
      if (ms === undefined) continue;
      timed = true;
      sampled += ms;
    }
    const inSlots =
      !plan.onMain[node.id] || plan.partialExports.has(node.id) || plan.slotOutputs.has(node.id);
    const slotSide = timed && inSlots ? { sampledMs: sampled } : {};
    if (plan.onMain[node.id]) {
      const ms = main.ms.get(node.id);
      return {
        node: node.id,
        out: main.out.get(node.id) ?? 0,
        ...(ms === undefined ? {} : { ms }),
        ...slotSide,
      };
    }
    let out = 0;
    for (const result of results) out += result.operators?.[node.id] ?? 0;
    return { node: node.id, out, ...slotSide };
  });
}
