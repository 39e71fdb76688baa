import { describe, expect, it } from 'vitest';
import type { BatchInfo } from '../../src/core/index.ts';
import { buildGraph, defineJob, Plan } from '../../src/dsl/index.ts';
import { ErrorCode, SluiceError } from '../../src/errors/index.ts';
import { runOnMain, stageFor } from '../../src/task/pipeline.ts';

const info: BatchInfo = { batchId: 1, time: 2_000, intervalMs: 1_000, offsetRanges: [] };

/** The nodes of a job, by kind in creation order. */
function nodes(build: Parameters<typeof defineJob>[0]) {
  return new Plan(buildGraph(defineJob(build), {})).nodes;
}

describe("runOnMain: a main-thread node through the slots' stages", () => {
  const graph = nodes((ctx) => {
    const counts = ctx
      .stream<string>()
      .map((r) => String(r.value))
      .countByValue();
    counts
      .map(([word, n]) => `${word}=${n}`)
      .union(counts.filter(([, n]) => n > 1).map(([word]) => word))
      .print();
    counts.reduce((a, b) => (a[1] > b[1] ? a : b)).print();
    counts.flatMap(([word, n]) => Array.from({ length: n }, () => word)).print();
    counts
      .mapValues((n) => n * 10)
      .keyBy(([word]) => word.length)
      .print();
    counts.transform((values, batch) => [values.length, batch.time]).print();
  });
  const byKind = (kind: string, nth = 0) => {
    const found = graph.filter((node) => node.kind === kind)[nth];
    if (!found) throw new Error(`no ${kind} ${nth}`);
    return found;
  };
  const pairs = [
    ['a', 1],
    ['bb', 3],
  ];

  it('applies element-wise functions in order', () => {
    expect(runOnMain(byKind('map', 1), [pairs], info)).toEqual(['a=1', 'bb=3']);
    expect(runOnMain(byKind('filter'), [pairs], info)).toEqual([['bb', 3]]);
    expect(runOnMain(byKind('flatMap'), [pairs], info)).toEqual(['a', 'bb', 'bb', 'bb']);
    expect(runOnMain(byKind('mapValues'), [pairs], info)).toEqual([
      ['a', 10],
      ['bb', 30],
    ]);
    expect(runOnMain(byKind('keyBy'), [pairs], info)).toEqual([
      [1, ['a', 1]],
      [2, ['bb', 3]],
    ]);
  });

  it("concatenates a union's parents in parent order and hands an output its input unchanged", () => {
    expect(runOnMain(byKind('union'), [['x'], ['y', 'z']], info)).toEqual(['x', 'y', 'z']);
    const input = ['kept'];
    expect(runOnMain(byKind('output'), [input], info)).toBe(input);
  });

  it('aggregates records after an aggregation and runs a transform over the merged batch', () => {
    expect(runOnMain(byKind('reduce'), [pairs], info)).toEqual([['bb', 3]]);
    expect(runOnMain(byKind('reduce'), [[]], info)).toEqual([]);
    expect(runOnMain(byKind('transform'), [pairs], info)).toEqual([2, 2_000]);
  });
});

describe('stageFor', () => {
  it("refuses a window operation without the slot's windows", () => {
    const [, watermark, window] = nodes((ctx) => {
      ctx.stream<string>().withWatermark(0).window(1_000).print();
    });
    const scope = { info, time: 0, record: -1, windows: undefined, fired: [], emitter: () => () => {} };
    for (const node of [watermark, window]) {
      if (!node) throw new Error('no node');
      expect(() => stageFor(node, scope)).toThrow(
        new SluiceError(ErrorCode.jobInvalid, `${node.kind} runs in the workers, never on the main thread`),
      );
    }
  });
});
