// Merges a batch's partition results on the main thread and runs the operators after an aggregation.

import type { BatchInfo } from '../core/index.ts';
import type { Plan } from '../dsl/index.ts';
import { isAggregate, isKeyedState, type Node, parentsOf, type SinkSpec } from '../dsl/index.ts';
import { ErrorCode, SluiceError } from '../errors/index.ts';
import type { EncodedOutput, KafkaBatch, PartitionResult } from '../task/index.ts';
import { groupsFromPairs, mergeAggregate, runOnMain, stateInputFromResults } from '../task/index.ts';
import { isSessionSpec } from '../window/index.ts';
import type { MainProfile } from './batch-profile.ts';
import type { KeyedState } from './keyed-state.ts';
import type { Routing } from './repartition.ts';
import { route } from './repartition.ts';
import { WindowMerger } from './window-merge.ts';

/**
 * One output's values for one batch, in graph order; for an output the slots encode
 * (`plan.slotOutputs`), its bytes instead, and no values.
 */
export type OutputBatch = {
  readonly node: number;
  readonly sink: SinkSpec;
  readonly values: readonly unknown[];
  readonly encoded?: EncodedOutput;
};

/**
 * The main thread's half of a batch: merges the partitions' partials and records (in the order
 * the results are given), then runs the operators that follow the aggregations. With `routing`,
 * state operations take the groups read from their repartition topics and leave in
 * `routing.outgoing` those of state partitions owned elsewhere.
 */
export async function mergePartitions(
  plan: Plan,
  results: readonly PartitionResult[],
  info: BatchInfo,
  windows: WindowMerger = new WindowMerger(),
  keyed?: KeyedState,
  routing?: Routing,
  profile?: MainProfile,
): Promise<OutputBatch[]> {
  const values = new Map<number, readonly unknown[]>();
  const workerValues = (id: number): readonly unknown[] => {
    const cached = values.get(id);
    if (cached) return cached;
    const all: unknown[] = [];
    for (const result of results) {
      for (const item of result.exports)
        if (item.node === id && item.kind === 'records') for (const value of item.values) all.push(value);
    }
    values.set(id, all);
    return all;
  };
  const input = (id: number): readonly unknown[] =>
    plan.onMain[id] ? (values.get(id) ?? []) : workerValues(id);

  const present = windowPresence(plan, results, info);
  const snapshots = new Map<number, readonly unknown[]>();
  const compute = async (node: Node): Promise<readonly unknown[]> => {
    if (node.kind === 'windowAggregate' && routing?.windows) {
      const { exchange, incoming } = routing.windows;
      const eventTime = plan.eventTime[node.id] === true;
      const merged = exchange.merge(
        node,
        results,
        info,
        eventTime,
        incoming.get(node.id) ?? [],
        routing.outgoing,
      );
      if (merged.present) present.add(node.id);
      else present.delete(node.id);
      return merged.values;
    }
    if (node.kind === 'windowAggregate') {
      const merged = windows.merge(node, results, info, plan.eventTime[node.id] === true);
      if (isSessionSpec(node.spec)) {
        if (merged.length > 0) present.add(node.id);
        else present.delete(node.id);
      }
      return merged;
    }
    if (isKeyedState(node)) {
      if (!keyed)
        throw new SluiceError(ErrorCode.state, `${node.kind} (node ${node.id}) has no keyed state to run in`);
      const batch = plan.partialExports.has(node.id)
        ? stateInputFromResults(node.id, results)
        : // The plan runs an interval join's parents in the slots: it always has partials.
          groupsFromPairs(input(parentsOf(node)[0] as number));
      const state = routing ? route(keyed.partitions, node, batch, routing) : batch;
      const run = await keyed.run(node, state, info, plan.snapshotted.has(node.id));
      if (run.snapshot) snapshots.set(node.id, run.snapshot);
      return run.values;
    }
    if (node.kind === 'stateSnapshots') return snapshots.get(node.parent) ?? [];
    if (plan.partialExports.has(node.id) && isAggregate(node)) return mergeAggregate(node, results);
    if (plan.partialExports.has(node.id)) {
      throw new SluiceError(ErrorCode.jobInvalid, `node ${node.id} (${node.kind}) has no partials to merge`);
    }
    return runOnMain(node, parentsOf(node).map(input), info);
  };

  const outputs: OutputBatch[] = [];
  for (const node of plan.nodes) {
    if (!plan.onMain[node.id]) continue;
    // Across instances, a window operation takes its messages every batch, and says itself
    // whether its windows make a batch downstream; so do sessions, closed by the merge.
    const exchanged =
      node.kind === 'windowAggregate' && (routing?.windows !== undefined || isSessionSpec(node.spec));
    // Like Spark's windowed DStreams: downstream of a window there is a batch only when one fired.
    const upstream = (plan.upstreamWindows[node.id] ?? []).filter((id) => !exchanged || id !== node.id);
    if (upstream.some((id) => !present.has(id))) continue;
    if (node.kind === 'output' && plan.slotOutputs.has(node.id)) {
      const encoded = slotEncoded(node.id, results);
      profile?.node(node.id, encoded.count, 0);
      outputs.push({ node: node.id, sink: node.sink, values: [], encoded });
      continue;
    }
    const began = performance.now();
    const computed = await compute(node);
    profile?.node(node.id, computed.length, performance.now() - began);
    if (exchanged && !present.has(node.id)) continue;
    values.set(node.id, computed);
    if (node.kind === 'output') outputs.push({ node: node.id, sink: node.sink, values: computed });
  }
  return outputs;
}

/** An output's bytes (parts, or toKafka's record batches) from each partition's slot, in result order. */
function slotEncoded(node: number, results: readonly PartitionResult[]): EncodedOutput {
  let count = 0;
  const parts: Uint8Array[] = [];
  const batches: KafkaBatch[] = [];
  for (const result of results) {
    for (const item of result.exports) {
      if (item.node !== node) continue;
      if (item.kind === 'encoded' && item.count > 0) parts.push(item.bytes);
      else if (item.kind === 'kafkaBatches') for (const batch of item.batches) batches.push(batch);
      else continue;
      count += item.count;
    }
  }
  return { count, parts, ...(batches.length > 0 ? { batches } : {}) };
}

/**
 * Window operations that produced a batch: one fired (or, in update mode, changed) a window in some
 * partition, or, on processing time, the batch time is a slide boundary, as Spark emits then
 * even for an empty window.
 */
function windowPresence(plan: Plan, results: readonly PartitionResult[], info: BatchInfo): Set<number> {
  const present = new Set<number>();
  for (const node of plan.windows) {
    const fired = results.some((result) => result.fired?.includes(node.id) === true);
    // A slide time is a window's end: a multiple of the slide when it divides the size.
    const { spec } = node;
    const boundary =
      !plan.eventTime[node.id] && !isSessionSpec(spec) && (info.time - spec.sizeMs) % spec.slideMs === 0;
    if (fired || boundary) present.add(node.id);
  }
  return present;
}
