import { keyIdentity } from '../core/index.ts';
import type { AggregateNode } from '../dsl/index.ts';
import type { FiredWindow } from '../window/index.ts';

/** What a worker sends back for one exported node of one partition batch. */
export type Export =
  | { readonly node: number; readonly kind: 'records'; readonly values: unknown[] }
  | { readonly node: number; readonly kind: 'pairs'; readonly pairs: [unknown, unknown][] }
  | { readonly node: number; readonly kind: 'reduce'; readonly has: boolean; readonly value: unknown }
  | { readonly node: number; readonly kind: 'count'; readonly count: number }
  | { readonly node: number; readonly kind: 'windows'; readonly windows: FiredWindow[] }
  /** A keyed state operation's input: per key (first seen first), its values in record order. */
  | { readonly node: number; readonly kind: 'groups'; readonly groups: [unknown, unknown[]][] }
  /**
   * The same split by state partition, each part msgpack of its `[key, values][]`: the main
   * thread hands a part to its state partition's slot without decoding it.
   */
  | { readonly node: number; readonly kind: 'stateGroups'; readonly parts: [number, Uint8Array][] };

/** Values grouped per key, keys and values in arrival order (object keys go by JSON). */
export class KeyGroups {
  readonly #groups = new Map<unknown, [unknown, unknown[]]>();

  add(key: unknown, value: unknown): void {
    const normalized = keyIdentity(key);
    const group = this.#groups.get(normalized);
    if (group) group[1].push(value);
    else this.#groups.set(normalized, [key, [value]]);
  }

  addAll(key: unknown, values: readonly unknown[]): void {
    const normalized = keyIdentity(key);
    const group = this.#groups.get(normalized);
    if (!group) this.#groups.set(normalized, [key, [...values]]);
    else for (const value of values) group[1].push(value);
  }

  get(normalized: unknown): [unknown, unknown[]] | undefined {
    return this.#groups.get(normalized);
  }

  groups(): [unknown, unknown[]][] {
    return [...this.#groups.values()];
  }

  entries(): IterableIterator<[unknown, [unknown, unknown[]]]> {
    return this.#groups.entries();
  }
}

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
export type Aggregator = {
  add(value: unknown): void;
  merge(item: Export): void;
  toExport(node: number): Export;
  values(): unknown[];
};

export function aggregatorFor(node: AggregateNode): Aggregator {
  switch (node.kind) {
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
