import { ErrorCode, SluiceError } from '../errors/index.ts';
import { type Node, parentsOf, type SinkSpec } from './graph.ts';
import { KeyedAccumulator, Reduction, sumCounts } from './partials.ts';
import type { PartitionResult } from './partition-run.ts';
import type { Plan } from './plan.ts';
import type { BatchInfo } from './types.ts';

/** One output's values for one batch, in graph order. */
export type OutputBatch = {
  readonly node: number;
  readonly sink: SinkSpec;
  readonly values: readonly unknown[];
};

/**
 * The main thread's half of a batch: merges the partitions' partials and records (in the order
 * the results are given), then runs the operators that follow the aggregations.
 */
export function mergePartitions(
  plan: Plan,
  results: readonly PartitionResult[],
  info: BatchInfo,
): OutputBatch[] {
  const values = new Map<number, readonly unknown[]>();
  const workerValues = (id: number): readonly unknown[] => {
    const cached = values.get(id);
    if (cached) return cached;
    const all: unknown[] = [];
    for (const result of results) {
      for (const item of result.exports)
        if (item.node === id && item.kind === 'records') all.push(...item.values);
    }
    values.set(id, all);
    return all;
  };
  const input = (id: number): readonly unknown[] =>
    plan.onMain[id] ? (values.get(id) ?? []) : workerValues(id);

  const outputs: OutputBatch[] = [];
  for (const node of plan.nodes) {
    if (!plan.onMain[node.id]) continue;
    const computed = plan.partialExports.has(node.id)
      ? mergePartials(node, results)
      : evaluate(node, parentsOf(node).map(input), info);
    values.set(node.id, computed);
    if (node.kind === 'output') outputs.push({ node: node.id, sink: node.sink, values: computed });
  }
  return outputs;
}

function mergePartials(node: Node, results: readonly PartitionResult[]): readonly unknown[] {
  const exports = results.flatMap((result) => result.exports.filter((item) => item.node === node.id));
  switch (node.kind) {
    case 'reduceByKey':
    case 'countByValue': {
      const keyed = keyedFor(node);
      for (const item of exports)
        if (item.kind === 'pairs') for (const [key, value] of item.pairs) keyed.add(key, value);
      return keyed.pairs();
    }
    case 'reduce': {
      const reduction = new Reduction(node.fn);
      for (const item of exports) if (item.kind === 'reduce' && item.has) reduction.add(item.value);
      return reduction.has ? [reduction.value] : [];
    }
    case 'count':
      return [exports.reduce((sum, item) => sum + (item.kind === 'count' ? item.count : 0), 0)];
    default:
      throw new SluiceError(ErrorCode.jobInvalid, `node ${node.id} (${node.kind}) has no partials to merge`);
  }
}

/** Array-at-a-time evaluation for operators on the main thread. */
function evaluate(node: Node, inputs: readonly (readonly unknown[])[], info: BatchInfo): readonly unknown[] {
  const [first = []] = inputs;
  switch (node.kind) {
    case 'map':
      return first.map((value) => (node.fn as (value: unknown) => unknown)(value));
    case 'flatMap':
      return first.flatMap((value) => [...(node.fn as (value: unknown) => Iterable<unknown>)(value)]);
    case 'filter':
      return first.filter((value) => (node.fn as (value: unknown) => boolean)(value));
    case 'keyBy':
      return first.map((value) => [(node.fn as (value: unknown) => unknown)(value), value]);
    case 'mapValues':
      return first.map((value) => {
        const [key, inner] = value as [unknown, unknown];
        return [key, (node.fn as (value: unknown) => unknown)(inner)];
      });
    case 'union':
      return inputs.flat();
    case 'transform':
      return node.fn([...first] as never[], info);
    case 'output':
      return first;
    case 'reduceByKey':
    case 'countByValue': {
      const keyed = keyedFor(node);
      for (const value of first) {
        if (node.kind === 'countByValue') keyed.add(value, 1);
        else keyed.add((value as [unknown, unknown])[0], (value as [unknown, unknown])[1]);
      }
      return keyed.pairs();
    }
    case 'reduce': {
      const reduction = new Reduction(node.fn);
      for (const value of first) reduction.add(value);
      return reduction.has ? [reduction.value] : [];
    }
    case 'count':
      return [first.length];
    case 'source':
      throw new SluiceError(ErrorCode.jobInvalid, 'the source runs in the workers, never on the main thread');
  }
}

function keyedFor(node: Node): KeyedAccumulator {
  return new KeyedAccumulator(node.kind === 'reduceByKey' ? node.fn : sumCounts);
}
