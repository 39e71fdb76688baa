import { describe, expect, it } from 'vitest';
import { MainProfile, operatorProfiles } from '../../src/coordinator/batch-profile.ts';
import { buildGraph, defineJob, Plan } from '../../src/dsl/index.ts';
import type { PartitionResult } from '../../src/task/index.ts';

const plan = new Plan(
  buildGraph(
    defineJob((ctx) => {
      ctx
        .stream<string>()
        .map((r): [string, number] => [String(r.value), 1])
        .reduceByKey((a, b) => a + b)
        .print();
    }),
    {},
  ),
);

const result = (partition: number, operators: number[], operatorMs?: number[]): PartitionResult => ({
  topic: 't',
  partition,
  records: operators[0] ?? 0,
  decodeErrors: 0,
  failures: [],
  exports: [],
  operators,
  ...(operatorMs ? { operatorMs } : {}),
});

describe('operatorProfiles', () => {
  it("sums the slots' records out and own times per node; main nodes take the merge's figures too", () => {
    expect(plan.nodes.map((node) => [node.kind, plan.onMain[node.id]])).toEqual([
      ['source', false],
      ['map', false],
      ['reduceByKey', true],
      ['output', true],
    ]);
    const main = new MainProfile();
    main.node(2, 3, 0.75);
    main.node(3, 3, 0.125);
    const profiles = operatorProfiles(
      plan,
      [result(0, [10, 10, 0, 0], [0.5, 2, 0.25, 0]), result(1, [4, 4, 0, 0], [0.125, 1, 0.5, 0])],
      main,
    );
    expect(profiles).toEqual([
      { node: 0, out: 14, sampledMs: 0.625 },
      { node: 1, out: 14, sampledMs: 3 },
      // reduceByKey: its partials in the slots, its merge on the main thread.
      { node: 2, out: 3, ms: 0.75, sampledMs: 0.75 },
      { node: 3, out: 3, ms: 0.125 },
    ]);
  });

  it('leaves the slot time out when the slots did not time (an older result)', () => {
    const profiles = operatorProfiles(plan, [result(0, [2, 2, 0, 0])], new MainProfile());
    expect(profiles).toEqual([
      { node: 0, out: 2 },
      { node: 1, out: 2 },
      { node: 2, out: 0 },
      { node: 3, out: 0 },
    ]);
  });
});
