import { describe, expect, it } from 'vitest';
import { type BatchInfo, toOffset } from '../../src/core/index.ts';
import { buildGraph, defineJob, Plan } from '../../src/dsl/index.ts';
import { type RecordInput, runPartition } from '../../src/task/index.ts';
import { OperatorClock } from '../../src/task/operator-clock.ts';

const info: BatchInfo = { batchId: 0, time: 1_000, intervalMs: 1_000, offsetRanges: [] };

/** A clock only the job's functions move: each operator's own time is known exactly. */
const fake = { t: 0, reads: 0 };
const now = (): number => {
  fake.reads++;
  return fake.t;
};
const spend = (ms: number): void => {
  fake.t += ms;
};

function numbers(count: number): RecordInput {
  const record = (index: number) => ({
    topic: 't',
    partition: 0,
    offset: toOffset(BigInt(index)),
    timestamp: 0,
    key: null,
    value: index,
  });
  return {
    topic: 't',
    partition: 0,
    count,
    offset: (index) => toOffset(BigInt(index)),
    raw: () => ({ key: null, value: null }),
    record,
  };
}

function run(build: Parameters<typeof defineJob>[0], count: number) {
  fake.t = 0;
  fake.reads = 0;
  const plan = new Plan(buildGraph(defineJob(build), {}));
  const result = runPartition(plan, numbers(count), info, 'fail', { operatorClock: now });
  return { plan, result };
}

describe("operators' own time in the slot, from sampled values", () => {
  it('gives each chained operator its own time: a map of 3 ms and a filter of 1 ms a value', () => {
    const { plan, result } = run((ctx) => {
      ctx
        .stream<number>()
        .map((r) => {
          spend(3);
          return r.value;
        })
        .filter((value) => {
          spend(1);
          return value % 2 === 0;
        })
        .print();
    }, 6_400);
    expect(plan.nodes.map((node) => node.kind)).toEqual(['source', 'map', 'filter', 'output']);
    // 100 of 6,400 values timed, each as 64: the map's 3 ms and the filter's 1 ms per value.
    expect(result.operatorMs).toEqual([0, 19_200, 6_400, 0]);
    // Records out in the slot (print's values go on from the main thread).
    expect(result.operators).toEqual([6_400, 6_400, 3_200, 0]);
    // The timer is read for the sampled values only: 8 reads each (its entry and 3 hand-overs).
    expect(fake.reads).toBe(100 * 8);
  });

  it('scales by the values a batch had: 10 values, one of them timed', () => {
    const { result } = run((ctx) => {
      ctx
        .stream<number>()
        .map((r) => {
          spend(2);
          return r.value;
        })
        .print();
    }, 10);
    expect(result.operatorMs).toEqual([0, 20, 0]);
  });

  it("a stage's end is its own time but what the values it hands on cost further on", () => {
    const { plan, result } = run((ctx) => {
      ctx
        .stream<number>()
        .map((r) => r.value)
        .transform((values) => {
          spend(10);
          return [...values, ...values];
        })
        .map((value) => {
          spend(2);
          return value;
        })
        .print();
    }, 65);
    expect(plan.nodes.map((node) => node.kind)).toEqual(['source', 'map', 'transform', 'map', 'output']);
    const [source, first, transform, second, output] = result.operatorMs ?? [];
    expect([source, first, output]).toEqual([0, 0, 0]);
    // 130 values out of the transform's end, 3 of them timed: the second map's 2 ms each.
    expect(second).toBeCloseTo(260, 9);
    expect(transform).toBeCloseTo(10, 9);
  });

  it("counts nothing twice when a value goes to two children, and an exported value is the node's own", () => {
    const { result } = run((ctx) => {
      const mapped = ctx.stream<number>().map((r) => {
        spend(1);
        return r.value;
      });
      mapped
        .map((value) => {
          spend(4);
          return value;
        })
        .print();
      mapped
        .filter(() => {
          spend(5);
          return false;
        })
        .print();
    }, 128);
    // Nodes: source, map (1 ms), map (4 ms), its print, filter (5 ms), its print.
    expect(result.operatorMs).toEqual([0, 128, 512, 0, 640, 0]);
  });
});

describe('OperatorClock', () => {
  it('a value that throws still ends its timing: the clock is off for the next', () => {
    const clock = new OperatorClock(2, now, 1);
    fake.t = 0;
    expect(() =>
      clock.enter(
        0,
        'x',
        () => {
          throw new Error('unused');
        },
        () => {
          spend(7);
          throw new Error('bad value');
        },
      ),
    ).toThrow('bad value');
    expect(clock.on).toBe(false);
    expect(clock.estimates()).toEqual([7, 0]);
  });
});
