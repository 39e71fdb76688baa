// Keyed groups of a batch: groupByKey, combineByKey, and cogroup with Spark's joins of two streams.
import { keyIdentity } from '../../core/index.ts';
import type { AggregateNode, CogroupNode, PairJoin } from '../../dsl/index.ts';
import { type Export, KeyGroups } from '../partials.ts';

/** Per key (each key's first original form; object keys go by JSON), its values from each side. */
export class GroupAccumulator {
  readonly #left = new KeyGroups();
  readonly #right = new KeyGroups();

  add(key: unknown, value: unknown, side: 0 | 1 = 0): void {
    (side === 0 ? this.#left : this.#right).add(key, value);
  }

  /** Adds another accumulator's groups (a slot's partial) after what is here. */
  merge(groups: readonly (readonly [unknown, unknown[], unknown[]])[]): void {
    for (const [key, left, right] of groups) {
      if (left.length > 0) this.#left.addAll(key, left);
      if (right.length > 0) this.#right.addAll(key, right);
    }
  }

  /** Keys with left values first (in their order), then keys with right values only. */
  groups(): [unknown, unknown[], unknown[]][] {
    const out: [unknown, unknown[], unknown[]][] = [];
    for (const [normalized, [key, values]] of this.#left.entries())
      out.push([key, values, this.#right.get(normalized)?.[1] ?? []]);
    for (const [normalized, [key, values]] of this.#right.entries())
      if (!this.#left.get(normalized)) out.push([key, [], values]);
    return out;
  }
}

/** What a cogroup node emits for its keys' groups: Spark's `cogroup` and joins, missing sides as null. */
export function joinRows(
  join: PairJoin,
  groups: readonly (readonly [unknown, unknown[], unknown[]])[],
): unknown[] {
  const rows: unknown[] = [];
  for (const [key, left, right] of groups) {
    if (join === 'cogroup') {
      rows.push([key, [left, right]]);
      continue;
    }
    const lefts =
      left.length === 0 && (join === 'rightOuterJoin' || join === 'fullOuterJoin') ? [null] : left;
    const rights =
      right.length === 0 && (join === 'leftOuterJoin' || join === 'fullOuterJoin') ? [null] : right;
    for (const l of lefts) for (const r of rights) rows.push([key, [l, r]]);
  }
  return rows;
}

/** One keyed group operation's state, in a slot (values in, a partial out) or on the main thread. */
export type GroupAggregator = {
  /** A value of the parent `parent` (a cogroup's left or right stream; the only one otherwise). */
  add(value: unknown, parent: number): void;
  merge(item: Export): void;
  toExport(node: number): Export;
  values(): unknown[];
};

type GroupNode = Extract<AggregateNode, { kind: 'groupByKey' | 'combineByKey' | 'cogroup' }>;

export function groupAggregatorFor(node: GroupNode): GroupAggregator {
  if (node.kind === 'combineByKey') return combiner(node);
  const groups = new GroupAccumulator();
  const left = node.kind === 'cogroup' ? node.parents[0] : undefined;
  return {
    add: (value, parent) => {
      const [key, inner] = value as [unknown, unknown];
      groups.add(key, inner, left === undefined || parent === left ? 0 : 1);
    },
    merge: (item) => {
      if (item.kind === 'groups2') groups.merge(item.groups);
    },
    toExport: (id) => ({ node: id, kind: 'groups2', groups: groups.groups() }),
    values: () =>
      node.kind === 'cogroup'
        ? joinRows((node as CogroupNode).join, groups.groups())
        : groups.groups().map(([key, values]) => [key, values]),
  };
}

function combiner(node: Extract<AggregateNode, { kind: 'combineByKey' }>): GroupAggregator {
  const entries = new Map<unknown, [unknown, unknown]>();
  return {
    add: (value) => {
      const [key, inner] = value as [unknown, unknown];
      const normalized = keyIdentity(key);
      const entry = entries.get(normalized);
      if (entry) entry[1] = node.mergeValue(entry[1], inner);
      else entries.set(normalized, [key, node.create(inner)]);
    },
    merge: (item) => {
      if (item.kind !== 'pairs') return;
      for (const [key, combined] of item.pairs) {
        const normalized = keyIdentity(key);
        const entry = entries.get(normalized);
        if (entry) entry[1] = node.mergeCombiners(entry[1], combined);
        else entries.set(normalized, [key, combined]);
      }
    },
    toExport: (id) => ({ node: id, kind: 'pairs', pairs: [...entries.values()] }),
    values: () => [...entries.values()],
  };
}
