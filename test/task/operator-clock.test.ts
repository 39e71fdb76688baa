import { describe, expect, it } from 'vitest';
import { type BatchInfo, toOffset } from '../../src/core/index.ts';
import { buildGraph, defineJob, Plan } from '../../src/dsl/index.ts';
import { type RecordInput, runPartition } from '../../src/task/index.ts';
import { OperatorClock, type OperatorTimer } from '../../src/task/operator-clock.ts';

const info: BatchInfo = { batchId: 0, time: 1_000, intervalMs: 1_000, offsetRanges: [] };

/**
 * A clock only the job's functions and its own reads move (a read takes `cost` ms, as the clock
 * is told): each operator's own time is known exactly.
 */
const fake = { t: 0, reads: 0, phase: 0, cost: 0 };
const timer: OperatorTimer = {
  now: () => {
    fake.reads++;
    fake.t += fake.cost;
    return fake.t;
  },
  phase: () => fake.phase,
  cost: () => fake.cost,
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

function run(build: Parameters<typeof defineJob>[0], count: number, phase = 0, cost = 0) {
  fake.t = 0;
  fake.reads = 0;
  fake.phase = phase;
  fake.cost = cost;
  const plan = new Plan(buildGraph(defineJob(build), {}));
  const result = runPartition(plan, numbers(count), info, 'fail', { operatorTimer: timer });
  return { plan, result };
}

describe("operators' own time in the slot, from sampled values", () => {
  it.each([0, 0.5])(
    'gives each chained operator its own time: a map of 3 ms and a filter of 1 ms a value (timer reads of %s ms taken off)',
    (cost) => {
      const { plan, result } = run(
        (ctx) => {
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
        },
        6_400,
        0,
        cost,
      );
      expect(plan.nodes.map((node) => node.kind)).toEqual(['source', 'map', 'filter', 'output']);
      // 100 of 6,400 values timed, each as 64: the map's 3 ms and the filter's 1 ms per value.
      expect(result.operatorMs).toEqual([0, 19_200, 6_400, 0]);
      // Records out in the slot (print's values go on from the main thread).
      expect(result.operators).toEqual([6_400, 6_400, 3_200, 0]);
      // The timer is read for the sampled values only: 8 reads each (its entry and 3 hand-overs).
      expect(fake.reads).toBe(100 * 8);
    },
  );

  it('estimates small batches without bias: 64 batches of 10 values, at every phase, come to their time', () => {
    const job: Parameters<typeof defineJob>[0] = (ctx) => {
      ctx
        .stream<number>()
        .map((r) => {
          spend(2);
          return r.value;
        })
        .print();
    };
    // A batch of 10 has its one sampled value at phases 0 to 9: 64 times its 2 ms; else none.
    expect(run(job, 10, 3).result.operatorMs).toEqual([0, 128, 0]);
    expect(run(job, 10, 10).result.operatorMs).toEqual([0, 0, 0]);
    let total = 0;
    for (let phase = 0; phase < 64; phase++) total += run(job, 10, phase).result.operatorMs?.[1] ?? 0;
    expect(total).toBe(64 * 10 * 2);
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
    }, 64);
    expect(plan.nodes.map((node) => node.kind)).toEqual(['source', 'map', 'transform', 'map', 'output']);
    // 128 values out of the transform's end (entries 64 to 191), 2 of them timed: the second
    // map's 2 ms each; the transform's own 10 ms is its end's time but theirs.
    expect(result.operatorMs).toEqual([0, 0, 10, 256, 0]);
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
    Object.assign(fake, { t: 0, cost: 0, phase: 0 });
    const clock = new OperatorClock(2, timer, 1);
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
