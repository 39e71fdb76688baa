// Batch aggregations (reduceByKey, reduce, count, countByValue): slot partials, their merge, and a run over records.
import type { AggregateNode } from '../../dsl/index.ts';
import { aggregatorFor, type Export } from '../partials.ts';
import type { PartialStage, Receiver, Stage } from './types.ts';

/** In a slot: the partition's values folded into a partial (per key, or one value). */
export function aggregatePartial(node: AggregateNode): PartialStage {
  const aggregator = aggregatorFor(node);
  return { push: (value) => aggregator.add(value), partial: () => aggregator.toExport(node.id) };
}

/** On the main thread: the slots' partials of `node`, merged in result order. */
export function mergeAggregate(
  node: AggregateNode,
  results: readonly { readonly exports: readonly Export[] }[],
): unknown[] {
  const aggregator = aggregatorFor(node);
  for (const result of results) {
    for (const item of result.exports) if (item.node === node.id) aggregator.merge(item);
  }
  return aggregator.values();
}

/** An aggregation over records, when it follows another aggregation on the main thread. */
export function aggregateStage(node: AggregateNode, emit: Receiver): Stage {
  const aggregator = aggregatorFor(node);
  return {
    push: (value) => aggregator.add(value),
    end: () => {
      for (const value of aggregator.values()) emit(value);
    },
  };
}
