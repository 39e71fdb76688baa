// Window aggregations: the user Aggregation type, the built-ins, and the pane operations for each.

import { ErrorCode, SluiceError } from '../errors/index.ts';
import type { Layout, PaneTable } from './pane-table.ts';

/**
 * A user aggregation over values of type V with accumulator A, like Kafka Streams' `Aggregator`
 * plus a merge for partials. Functions must not mutate their arguments: partials are shared.
 * With `subtract` (the inverse of `merge`), sliding windows are updated incrementally.
 *
 * @example
 * const distinctUsers: Aggregation<string, string[]> = {
 *   empty: () => [],
 *   add: (acc, user) => (acc.includes(user) ? acc : [...acc, user]),
 *   merge: (a, b) => [...new Set([...a, ...b])],
 * };
 */
export type Aggregation<V, A, R = A> = {
  empty(): A;
  add(acc: A, value: V): A;
  merge(a: A, b: A): A;
  /** `subtract(merge(a, b), b)` equals `a`. */
  subtract?(acc: A, part: A): A;
  /** The emitted value; the accumulator itself when absent. */
  result?(acc: A): R;
};

/** The built-in aggregations; they run on typed columns instead of objects. */
export type BuiltIn = 'count' | 'sum' | 'min' | 'max' | 'avg';

/** What a window operation aggregates with: a built-in, or a user aggregation. */
export type AggregationSpec =
  | { readonly kind: BuiltIn }
  | {
      readonly kind: 'custom';
      readonly init: (value: unknown) => unknown;
      readonly add: (acc: unknown, value: unknown) => unknown;
      readonly merge: (a: unknown, b: unknown) => unknown;
      readonly subtract?: (acc: unknown, part: unknown) => unknown;
      readonly result?: (acc: unknown) => unknown;
    };

/**
 * Built-in aggregations for `windowAggregate`. `count` counts records; the others read the pair's
 * value, which must be a finite number.
 */
export const Aggregations = {
  count: (): AggregationSpec => ({ kind: 'count' }),
  sum: (): AggregationSpec => ({ kind: 'sum' }),
  min: (): AggregationSpec => ({ kind: 'min' }),
  max: (): AggregationSpec => ({ kind: 'max' }),
  avg: (): AggregationSpec => ({ kind: 'avg' }),
  /** A user aggregation. */
  of<V, A, R>(aggregation: Aggregation<V, A, R>): AggregationSpec {
    const { empty, add, merge, subtract, result } = aggregation as unknown as Aggregation<unknown, unknown>;
    return {
      kind: 'custom',
      init: (value) => add(empty(), value),
      add,
      merge,
      ...(subtract ? { subtract } : {}),
      ...(result ? { result } : {}),
    };
  },
  /** Spark's reduce functions: the first value is the accumulator; `inverse` undoes `fn`. */
  reduce<V>(fn: (a: V, b: V) => V, inverse?: (a: V, b: V) => V): AggregationSpec {
    const merge = fn as (a: unknown, b: unknown) => unknown;
    return {
      kind: 'custom',
      init: (value) => value,
      add: merge,
      merge,
      ...(inverse ? { subtract: inverse as (a: unknown, b: unknown) => unknown } : {}),
    };
  },
} as const;

/**
 * The operations a pane table needs for one aggregation. A partial is the value that crosses to
 * the main thread: a number, `[sum, count]` for avg, or the user's accumulator.
 */
export type PaneOps = {
  readonly layout: Layout;
  readonly invertible: boolean;
  /**
   * For selections (min, max): whether a newer partial makes an older one irrelevant to every
   * window that holds both, so windows slide on a monotonic deque.
   */
  readonly supersedes?: (newer: number, older: number) => boolean;
  /** Adds one value to a slot (a fresh slot has count 0). */
  add(table: PaneTable, slot: number, value: unknown): void;
  /** Merges slot `from` of `source` into slot `to` of `target`. */
  merge(target: PaneTable, to: number, source: PaneTable, from: number): void;
  /** Removes what `merge` added; only when invertible. */
  subtract(target: PaneTable, to: number, source: PaneTable, from: number): void;
  partial(table: PaneTable, slot: number): unknown;
  mergePartials(a: unknown, b: unknown): unknown;
  result(partial: unknown): unknown;
};

function numeric(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  throw new SluiceError(
    ErrorCode.decode,
    `window aggregation needs a finite number; got ${JSON.stringify(value)}`,
  );
}

const sumPartials = (a: unknown, b: unknown): unknown => (a as number) + (b as number);
const identity = (partial: unknown): unknown => partial;
const notInvertible = (): never => {
  throw new Error('aggregation has no inverse');
};

function extremum(
  pick: (a: number, b: number) => number,
  supersedes: (newer: number, older: number) => boolean,
): PaneOps {
  return {
    layout: 'number',
    invertible: false,
    supersedes,
    add(table, slot, value) {
      const number = numeric(value);
      table.numbers[slot] = table.counts[slot] === 0 ? number : pick(table.numbers[slot] as number, number);
      table.counts[slot] = (table.counts[slot] as number) + 1;
    },
    merge(target, to, source, from) {
      const number = source.numbers[from] as number;
      target.numbers[to] = target.counts[to] === 0 ? number : pick(target.numbers[to] as number, number);
      target.counts[to] = (target.counts[to] as number) + (source.counts[from] as number);
    },
    subtract: notInvertible,
    partial: (table, slot) => table.numbers[slot],
    mergePartials: (a, b) => pick(a as number, b as number),
    result: identity,
  };
}

/** count, sum and avg: every column is a sum, so subtracting is exact bookkeeping. */
function summing(kind: 'count' | 'sum' | 'avg'): PaneOps {
  const hasNumbers = kind !== 'count';
  return {
    layout: hasNumbers ? 'number' : 'count',
    invertible: true,
    add(table, slot, value) {
      if (hasNumbers) {
        const number = numeric(value);
        table.numbers[slot] = table.counts[slot] === 0 ? number : (table.numbers[slot] as number) + number;
      }
      table.counts[slot] = (table.counts[slot] as number) + 1;
    },
    merge(target, to, source, from) {
      if (hasNumbers) {
        const number = source.numbers[from] as number;
        target.numbers[to] = target.counts[to] === 0 ? number : (target.numbers[to] as number) + number;
      }
      target.counts[to] = (target.counts[to] as number) + (source.counts[from] as number);
    },
    subtract(target, to, source, from) {
      if (hasNumbers) target.numbers[to] = (target.numbers[to] as number) - (source.numbers[from] as number);
      target.counts[to] = (target.counts[to] as number) - (source.counts[from] as number);
    },
    partial:
      kind === 'count'
        ? (table, slot) => table.counts[slot]
        : kind === 'sum'
          ? (table, slot) => table.numbers[slot]
          : (table, slot) => [table.numbers[slot], table.counts[slot]],
    mergePartials:
      kind === 'avg'
        ? (a, b) => {
            const [sa, ca] = a as [number, number];
            const [sb, cb] = b as [number, number];
            return [sa + sb, ca + cb];
          }
        : sumPartials,
    result:
      kind === 'avg'
        ? (partial) => {
            const [sum, count] = partial as [number, number];
            return sum / count;
          }
        : identity,
  };
}

function custom(spec: Extract<AggregationSpec, { kind: 'custom' }>): PaneOps {
  const { init, add, merge, subtract, result } = spec;
  return {
    layout: 'object',
    invertible: subtract !== undefined,
    add(table, slot, value) {
      table.objects[slot] = table.counts[slot] === 0 ? init(value) : add(table.objects[slot], value);
      table.counts[slot] = (table.counts[slot] as number) + 1;
    },
    merge(target, to, source, from) {
      const part = source.objects[from];
      target.objects[to] = target.counts[to] === 0 ? part : merge(target.objects[to], part);
      target.counts[to] = (target.counts[to] as number) + (source.counts[from] as number);
    },
    subtract: subtract
      ? (target, to, source, from) => {
          target.objects[to] = subtract(target.objects[to], source.objects[from]);
          target.counts[to] = (target.counts[to] as number) - (source.counts[from] as number);
        }
      : notInvertible,
    partial: (table, slot) => table.objects[slot],
    mergePartials: merge,
    result: result ?? identity,
  };
}

export function paneOps(spec: AggregationSpec): PaneOps {
  switch (spec.kind) {
    case 'count':
    case 'sum':
    case 'avg':
      return summing(spec.kind);
    case 'min':
      return extremum(Math.min, (newer, older) => newer <= older);
    case 'max':
      return extremum(Math.max, (newer, older) => newer >= older);
    case 'custom':
      return custom(spec);
  }
}
