import { describe, expect, it } from 'vitest';
import type { AggregateNode } from '../../../src/dsl/index.ts';
import { aggregatePartial, aggregateStage, mergeAggregate } from '../../../src/task/operators/aggregate.ts';

const edge = { id: 3, parent: 2 };
const sum = (a: unknown, b: unknown): unknown => Number(a) + Number(b);

/** Each partition's values through the slot's partial stage, then merged as the main thread does. */
function partialsThenMerge(node: AggregateNode, partitions: readonly (readonly unknown[])[]): unknown[] {
  const results = partitions.map((values) => {
    const stage = aggregatePartial(node);
    for (const value of values) stage.push(value);
    return { exports: [stage.partial()] };
  });
  return mergeAggregate(node, results);
}

/** The same values through the stage that runs after another aggregation. */
function overRecords(node: AggregateNode, values: readonly unknown[]): unknown[] {
  const out: unknown[] = [];
  const stage = aggregateStage(node, (value) => out.push(value));
  for (const value of values) stage.push(value);
  stage.end?.();
  return out;
}

describe('batch aggregations: partials merged equal one run over every record', () => {
  const cases: [AggregateNode, unknown[][], unknown[]][] = [
    [
      { ...edge, kind: 'reduceByKey', fn: sum },
      [
        [
          ['a', 1],
          ['b', 2],
        ],
        [
          ['a', 10],
          [{ id: 1 }, 5],
        ],
      ],
      [
        ['a', 11],
        ['b', 2],
        [{ id: 1 }, 5],
      ],
    ],
    [{ ...edge, kind: 'reduce', fn: sum }, [[1, 2], [], [3]], [6]],
    [{ ...edge, kind: 'reduce', fn: sum }, [[], []], []],
    [{ ...edge, kind: 'count' }, [['x', 'y'], ['z']], [3]],
    [
      { ...edge, kind: 'countByValue' },
      [['x', 'y'], ['x']],
      [
        ['x', 2],
        ['y', 1],
      ],
    ],
  ];
  it.each(cases)('%o', (node, partitions, expected) => {
    expect(partialsThenMerge(node, partitions)).toEqual(expected);
    expect(overRecords(node, partitions.flat())).toEqual(expected);
  });

  it('names the partial by its node', () => {
    const stage = aggregatePartial({ ...edge, kind: 'count' });
    stage.push('x');
    expect(stage.partial()).toEqual({ node: 3, kind: 'count', count: 1 });
  });
});
