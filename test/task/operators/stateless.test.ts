import { describe, expect, it } from 'vitest';
import type { BatchInfo } from '../../../src/core/index.ts';
import type { ElementNode, TransformNode } from '../../../src/dsl/index.ts';
import { elementReceiver, transformStage } from '../../../src/task/operators/stateless.ts';
import type { BatchScope } from '../../../src/task/operators/types.ts';

const info: BatchInfo = { batchId: 0, time: 1_000, intervalMs: 1_000, offsetRanges: [] };

function run(node: ElementNode, values: readonly unknown[]): unknown[] {
  const out: unknown[] = [];
  const receive = elementReceiver(node, (value) => out.push(value));
  for (const value of values) receive(value);
  return out;
}

const edge = { id: 1, parent: 0 };

describe('element-wise operators', () => {
  it('map, flatMap, filter, keyBy and mapValues emit what their function makes of each value', () => {
    expect(run({ ...edge, kind: 'map', fn: (value) => Number(value) * 2 }, [1, 2])).toEqual([2, 4]);
    expect(run({ ...edge, kind: 'flatMap', fn: (value) => [value, value] }, ['a', 'b'])).toEqual([
      'a',
      'a',
      'b',
      'b',
    ]);
    expect(run({ ...edge, kind: 'filter', fn: (value) => value !== 'x' }, ['x', 'y', 'x'])).toEqual(['y']);
    expect(run({ ...edge, kind: 'keyBy', fn: (value) => String(value).length }, ['ab'])).toEqual([[2, 'ab']]);
    expect(run({ ...edge, kind: 'mapValues', fn: (value) => Number(value) + 1 }, [['k', 1]])).toEqual([
      ['k', 2],
    ]);
  });

  it('flatMap takes any iterable, a generator too', () => {
    const node: ElementNode = {
      ...edge,
      kind: 'flatMap',
      fn: function* (value) {
        yield value;
        yield String(value).toUpperCase();
      },
    };
    expect(run(node, ['a'])).toEqual(['a', 'A']);
  });
});

describe('transform', () => {
  it('emits nothing until the batch ends, then what the function returns, without event time', () => {
    const seen: unknown[][] = [];
    const node: TransformNode = {
      ...edge,
      kind: 'transform',
      fn: (values, batch) => {
        seen.push([...values]);
        return [values.length, batch.time];
      },
    };
    const out: unknown[] = [];
    const scope: BatchScope = {
      info,
      time: 5,
      record: -1,
      windows: undefined,
      fired: [],
      emitter: () => () => {},
    };
    const stage = transformStage(node, scope, (value) => out.push(value));
    stage.push('a');
    stage.push('b');
    expect(out).toEqual([]);
    stage.end?.();
    expect(seen).toEqual([['a', 'b']]);
    expect(out).toEqual([2, 1_000]);
    expect(scope.time).toBeNaN();
  });
});
