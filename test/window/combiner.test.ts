import { describe, expect, it } from 'vitest';
import {
  type AggregationSpec,
  Aggregations,
  IncrementalCombiner,
  KeyDictionary,
  MonotonicCombiner,
  type PaneOps,
  PaneTable,
  paneOps,
  TwoStacksCombiner,
} from '../../src/window/index.ts';
import { random } from '../support/random.ts';

type Records = readonly (readonly [key: string, value: unknown])[];
type Combiner = IncrementalCombiner | TwoStacksCombiner | MonotonicCombiner;
type Kind = 'incremental' | 'two-stacks' | 'monotonic';

/** A pane filled the way FinalWindows fills one: a key's first record retains its id. */
function buildPane(ops: PaneOps, dict: KeyDictionary, records: Records): PaneTable {
  const pane = new PaneTable(ops.layout);
  for (const [key, value] of records) {
    const id = dict.id(key);
    const slot = pane.slot(id);
    if (pane.counts[slot] === 0) dict.retain(id);
    ops.add(pane, slot, value);
  }
  return pane;
}

function combiner(kind: Kind, ops: PaneOps, dict: KeyDictionary): Combiner {
  if (kind === 'incremental') return new IncrementalCombiner(ops, dict);
  return kind === 'monotonic' ? new MonotonicCombiner(ops, dict) : new TwoStacksCombiner(ops, dict);
}

const sorted = (pairs: [unknown, unknown][]): [unknown, unknown][] =>
  [...pairs].sort(([a], [b]) => String(a).localeCompare(String(b)));

/** The brute-force combine: each key's values over the panes held, oldest first. */
function bruteForce(held: readonly Records[], reduce: (values: unknown[]) => unknown): [unknown, unknown][] {
  const byKey = new Map<string, unknown[]>();
  for (const records of held) {
    for (const [key, value] of records) byKey.set(key, [...(byKey.get(key) ?? []), value]);
  }
  return sorted([...byKey].map(([key, values]) => [key, reduce(values)]));
}

const numbers = (values: unknown[]): number[] => values as number[];
const total = (values: unknown[]): number => numbers(values).reduce((a, b) => a + b, 0);

const concat = Aggregations.of<string, string, string>({
  empty: () => '',
  add: (acc, value) => acc + value,
  merge: (a, b) => a + b,
});
// Incremental evicts the oldest pane, so its inverse removes a prefix.
const concatInvertible = Aggregations.of<string, string, string>({
  empty: () => '',
  add: (acc, value) => acc + value,
  merge: (a, b) => a + b,
  subtract: (acc, part) => {
    if (!acc.startsWith(part)) throw new Error(`"${part}" is not the oldest part of "${acc}"`);
    return acc.slice(part.length);
  },
});

type Case = {
  name: string;
  spec: AggregationSpec;
  kinds: readonly Kind[];
  value: (next: () => number, tag: string) => unknown;
  reduce: (values: unknown[]) => unknown;
};

const smallInt = (next: () => number): number => Math.floor(next() * 16) - 5;
const tagged = (_next: () => number, tag: string): string => `${tag};`;

const cases: Case[] = [
  {
    name: 'count',
    spec: Aggregations.count(),
    kinds: ['incremental', 'two-stacks'],
    value: smallInt,
    reduce: (values) => values.length,
  },
  {
    name: 'sum',
    spec: Aggregations.sum(),
    kinds: ['incremental', 'two-stacks'],
    value: smallInt,
    reduce: total,
  },
  {
    name: 'avg',
    spec: Aggregations.avg(),
    kinds: ['incremental', 'two-stacks'],
    value: smallInt,
    reduce: (values) => [total(values), values.length],
  },
  {
    name: 'min',
    spec: Aggregations.min(),
    kinds: ['two-stacks', 'monotonic'],
    value: smallInt,
    reduce: (values) => Math.min(...numbers(values)),
  },
  {
    name: 'max',
    spec: Aggregations.max(),
    kinds: ['two-stacks', 'monotonic'],
    value: smallInt,
    reduce: (values) => Math.max(...numbers(values)),
  },
  {
    name: 'reduce with an inverse',
    spec: Aggregations.reduce<number>(
      (a, b) => a + b,
      (a, b) => a - b,
    ),
    kinds: ['incremental', 'two-stacks'],
    value: smallInt,
    reduce: total,
  },
  {
    name: 'reduce without an inverse (non-commutative)',
    spec: Aggregations.reduce<string>((a, b) => `${a}|${b}`),
    kinds: ['two-stacks'],
    value: tagged,
    reduce: (values) => values.join('|'),
  },
  {
    name: 'user concat',
    spec: concat,
    kinds: ['two-stacks'],
    value: tagged,
    reduce: (values) => values.join(''),
  },
  {
    name: 'user concat with an inverse',
    spec: concatInvertible,
    kinds: ['incremental', 'two-stacks'],
    value: tagged,
    reduce: (values) => values.join(''),
  },
];

const runs = cases
  .flatMap((c) => c.kinds.map((kind): [string, Kind, Case] => [c.name, kind, c]))
  .map(([name, kind, c], at): [string, Kind, Case, number] => [name, kind, c, 101 + at]);

describe('combiners against a brute-force combine', () => {
  it.each(runs)('%s, %s (seed %i)', (_name, kind, c, seed) => {
    const next = random(seed);
    const ops = paneOps(c.spec);
    const dict = new KeyDictionary();
    const comb = combiner(kind, ops, dict);
    const held: { index: number; records: Records }[] = [];
    let index = 0;
    for (let step = 0; step < 400; step++) {
      if (held.length === 0 || (held.length < 6 && next() < 0.6)) {
        // Some panes are empty, and indexes may skip (panes without records are never pushed).
        index += 1 + Math.floor(next() * 2);
        const records: [string, unknown][] = [];
        const count = Math.floor(next() * 6);
        for (let i = 0; i < count; i++) {
          const key = `k${Math.floor(next() * 5)}`;
          records.push([key, c.value(next, `${index}.${i}`)]);
        }
        comb.push(index, buildPane(ops, dict, records));
        held.push({ index, records });
      } else {
        const before = (held[0]?.index as number) + 1 + Math.floor(next() * 3);
        comb.evictBefore(before);
        while (held.length > 0 && (held[0]?.index as number) < before) held.shift();
      }
      const expected = bruteForce(
        held.map((pane) => pane.records),
        c.reduce,
      );
      expect(sorted(comb.results())).toEqual(expected);
      expect(comb.keys).toBe(expected.length);
      expect(dict.size).toBe(expected.length);
      expect(comb.oldest()).toBe(held[0]?.index);
    }
    comb.evictBefore(Number.POSITIVE_INFINITY);
    expect(comb.results()).toEqual([]);
    expect(comb.keys).toBe(0);
    expect(comb.oldest()).toBeUndefined();
    expect(dict.size).toBe(0);
  });
});

describe('IncrementalCombiner', () => {
  it('keeps a key whose sum is 0 and drops it when its record count returns to 0', () => {
    const ops = paneOps(Aggregations.sum());
    const dict = new KeyDictionary();
    const comb = new IncrementalCombiner(ops, dict);
    comb.push(0, buildPane(ops, dict, [['z', 3]]));
    comb.push(
      1,
      buildPane(ops, dict, [
        ['z', -3],
        ['y', 1],
      ]),
    );
    expect(sorted(comb.results())).toEqual([
      ['y', 1],
      ['z', 0],
    ]);
    comb.evictBefore(1);
    expect(sorted(comb.results())).toEqual([
      ['y', 1],
      ['z', -3],
    ]);
    comb.evictBefore(2);
    expect(comb.results()).toEqual([]);
    expect(comb.keys).toBe(0);
    expect(dict.size).toBe(0);
  });

  it('merges user partials oldest to newest', () => {
    const ops = paneOps(concatInvertible);
    const dict = new KeyDictionary();
    const comb = new IncrementalCombiner(ops, dict);
    comb.push(
      0,
      buildPane(ops, dict, [
        ['k', 'a'],
        ['k', 'b'],
      ]),
    );
    comb.push(1, buildPane(ops, dict, [['k', 'c']]));
    expect(comb.results()).toEqual([['k', 'abc']]);
    comb.evictBefore(1);
    comb.push(2, buildPane(ops, dict, [['k', 'd']]));
    expect(comb.results()).toEqual([['k', 'cd']]);
  });
});

describe('TwoStacksCombiner', () => {
  it('merges user partials oldest to newest across flips', () => {
    const ops = paneOps(concat);
    const dict = new KeyDictionary();
    const comb = new TwoStacksCombiner(ops, dict);
    const seen: unknown[] = [];
    const take = (): void => {
      seen.push(comb.results()[0]?.[1]);
    };
    comb.push(0, buildPane(ops, dict, [['k', 'a']]));
    comb.push(1, buildPane(ops, dict, [['k', 'b']]));
    comb.push(
      2,
      buildPane(ops, dict, [
        ['k', 'c'],
        ['k', 'C'],
      ]),
    );
    take();
    comb.evictBefore(1);
    take();
    comb.push(3, buildPane(ops, dict, [['k', 'd']]));
    take();
    comb.evictBefore(2);
    take();
    comb.evictBefore(3);
    take();
    comb.push(4, buildPane(ops, dict, [['k', 'e']]));
    take();
    comb.evictBefore(4);
    take();
    expect(seen).toEqual(['abcC', 'bcC', 'bcCd', 'cCd', 'd', 'de', 'e']);
    comb.evictBefore(5);
    expect(comb.keys).toBe(0);
    expect(dict.size).toBe(0);
  });

  it('a key missing from an evicted pane keeps its partials', () => {
    const ops = paneOps(Aggregations.max());
    const dict = new KeyDictionary();
    const comb = new TwoStacksCombiner(ops, dict);
    comb.push(0, buildPane(ops, dict, [['a', 9]]));
    comb.push(1, buildPane(ops, dict, [['b', 4]]));
    comb.push(
      2,
      buildPane(ops, dict, [
        ['a', 2],
        ['b', 7],
      ]),
    );
    expect(sorted(comb.results())).toEqual([
      ['a', 9],
      ['b', 7],
    ]);
    comb.evictBefore(1);
    expect(sorted(comb.results())).toEqual([
      ['a', 2],
      ['b', 7],
    ]);
    comb.evictBefore(3);
    expect(comb.results()).toEqual([]);
    expect(dict.size).toBe(0);
  });
});

describe('MonotonicCombiner', () => {
  it('needs a selection', () => {
    expect(() => new MonotonicCombiner(paneOps(Aggregations.sum()), new KeyDictionary())).toThrow(
      'a monotonic deque needs a selection (min or max)',
    );
  });

  it('keeps only the partials that can still be a maximum, and compacts a long deque', () => {
    const ops = paneOps(Aggregations.max());
    const dict = new KeyDictionary();
    const comb = new MonotonicCombiner(ops, dict);
    // Falling values stay (each may become the maximum once the larger, older ones leave).
    for (let index = 0; index < 100; index++) comb.push(index, buildPane(ops, dict, [['k', 100 - index]]));
    for (let index = 1; index <= 99; index++) {
      comb.evictBefore(index);
      expect(comb.results()).toEqual([['k', 100 - index]]);
    }
    // A rising value supersedes everything older.
    comb.push(100, buildPane(ops, dict, [['k', 50]]));
    expect(comb.results()).toEqual([['k', 50]]);
    comb.evictBefore(100);
    expect(comb.results()).toEqual([['k', 50]]);
    comb.evictBefore(101);
    expect(comb.results()).toEqual([]);
    expect(dict.size).toBe(0);
  });
});
