// Batch aggregations (reduceByKey, reduce, count, countByValue): slot partials, their merge, and a run over records.
import { keyIdentity } from '../../core/index.ts';
import { type AggregateNode, parentsOf } from '../../dsl/index.ts';
import type { Export } from '../partials.ts';
import { type GroupAggregator, groupAggregatorFor } from './pair-ops.ts';
import type { PairStage, PartialStage, Receiver } from './types.ts';

type Combine = (a: never, b: never) => unknown;

/** Per-key accumulation that keeps each key's first original form (object keys go by JSON). */
export class KeyedAccumulator {
  readonly #entries = new Map<unknown, [unknown, unknown]>();
  readonly #combine: (a: unknown, b: unknown) => unknown;

  constructor(combine: Combine) {
    this.#combine = combine as (a: unknown, b: unknown) => unknown;
  }

  add(key: unknown, value: unknown): void {
    const normalized = keyIdentity(key);
    const entry = this.#entries.get(normalized);
    if (entry) entry[1] = this.#combine(entry[1], value);
    else this.#entries.set(normalized, [key, value]);
  }

  pairs(): [unknown, unknown][] {
    return [...this.#entries.values()];
  }
}

export const sumCounts = (a: number, b: number): number => a + b;

/** A running `reduce` over values. */
export class Reduction {
  has = false;
  value: unknown = undefined;
  readonly #combine: (a: unknown, b: unknown) => unknown;

  constructor(combine: Combine) {
    this.#combine = combine as (a: unknown, b: unknown) => unknown;
  }

  add(value: unknown): void {
    this.value = this.has ? this.#combine(this.value, value) : value;
    this.has = true;
  }
}

/**
 * One aggregation's state. The same object serves the worker (records in, a partial out) and
 * the main thread (partials merged, or records in when the aggregation follows another).
 */
export type Aggregator = GroupAggregator;

export function aggregatorFor(node: AggregateNode): Aggregator {
  switch (node.kind) {
    case 'groupByKey':
    case 'combineByKey':
    case 'cogroup':
      return groupAggregatorFor(node);
    case 'reduceByKey':
    case 'countByValue': {
      const counting = node.kind === 'countByValue';
      const keyed = new KeyedAccumulator(node.kind === 'reduceByKey' ? node.fn : sumCounts);
      return {
        add: counting
          ? (value) => keyed.add(value, 1)
          : (value) => {
              const [key, inner] = value as [unknown, unknown];
              keyed.add(key, inner);
            },
        merge: (item) => {
          if (item.kind === 'pairs') for (const [key, value] of item.pairs) keyed.add(key, value);
        },
        toExport: (id) => ({ node: id, kind: 'pairs', pairs: keyed.pairs() }),
        values: () => keyed.pairs(),
      };
    }
    case 'reduce': {
      const reduction = new Reduction(node.fn);
      return {
        add: (value) => reduction.add(value),
        merge: (item) => {
          if (item.kind === 'reduce' && item.has) reduction.add(item.value);
        },
        toExport: (id) => ({ node: id, kind: 'reduce', has: reduction.has, value: reduction.value }),
        values: () => (reduction.has ? [reduction.value] : []),
      };
    }
    case 'count': {
      let count = 0;
      return {
        add: () => {
          count++;
        },
        merge: (item) => {
          if (item.kind === 'count') count += item.count;
        },
        toExport: (id) => ({ node: id, kind: 'count', count }),
        values: () => [count],
      };
    }
  }
}

/** Each parent's receiver into `aggregator`: a cogroup tells its two streams apart. */
function receivers(
  node: AggregateNode,
  aggregator: Aggregator,
): { push: Receiver; pushFrom(parent: number): Receiver } {
  const first = parentsOf(node)[0] as number;
  return {
    push: (value) => aggregator.add(value, first),
    pushFrom: (parent) => (value) => aggregator.add(value, parent),
  };
}

/** In a slot: the partition's values folded into a partial (per key, or one value). */
export function aggregatePartial(node: AggregateNode): PartialStage & PairStage {
  const aggregator = aggregatorFor(node);
  return { ...receivers(node, aggregator), partial: () => aggregator.toExport(node.id) };
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
export function aggregateStage(node: AggregateNode, emit: Receiver): PairStage {
  const aggregator = aggregatorFor(node);
  return {
    ...receivers(node, aggregator),
    end: () => {
      for (const value of aggregator.values()) emit(value);
    },
  };
}
