import { describe, expect, it } from 'vitest';
import { LatencyTuner, RateController } from '../../src/backpressure/index.ts';
import type { Trigger } from '../../src/coordinator/engine.ts';
import type { PartitionWork } from '../../src/coordinator/index.ts';
import { Schedule } from '../../src/coordinator/schedule.ts';
import { toOffset } from '../../src/core/index.ts';
import { generatedWork } from '../../src/sources/index.ts';

function schedule(
  trigger: Trigger,
  options: {
    ticks?: boolean;
    dueIn?: number;
    maxRatePerPartition?: number;
    start?: number;
    tuner?: LatencyTuner;
  } = {},
) {
  const clock = { now: options.start ?? 0 };
  const waits: number[] = [];
  const plan = new Schedule({
    trigger,
    intervalMs: 1_000,
    rates:
      options.maxRatePerPartition === undefined
        ? undefined
        : new RateController({
            backpressure: false,
            initialRate: undefined,
            minRate: 100,
            maxRatePerPartition: options.maxRatePerPartition,
            batchIntervalMs: 1_000,
          }),
    source: {
      async waitForData(timeoutMs) {
        waits.push(timeoutMs);
      },
    },
    tuner: options.tuner,
    commits: { dueIn: () => options.dueIn ?? Number.POSITIVE_INFINITY },
    ticks: options.ticks ?? false,
    now: () => clock.now,
  });
  return { plan, clock, waits };
}

const records = (count: number) => [
  generatedWork({ topic: 't', partition: 0, fromOffset: toOffset(0n), untilOffset: toOffset(BigInt(count)) }),
];

describe('Schedule', () => {
  it('micro-batch times are the next multiples of the interval, each later than the one before', async () => {
    const { plan, clock } = schedule('micro-batch', { start: 1_995 });
    expect(await plan.nextBatchTime()).toBe(2_000);
    // The timer fired early: the clock still reads before the last batch's time.
    clock.now = 1_999;
    const next = plan.nextBatchTime();
    plan.wake();
    expect(await next).toBe(3_000);
  });

  it('the other triggers run at once, at the time of the clock', async () => {
    const { plan } = schedule('continuous', { start: 1_234 });
    expect(await plan.nextBatchTime()).toBe(1_234);
  });

  it('wake() ends the wait for the next micro-batch time', async () => {
    const { plan } = schedule('micro-batch', { start: 1_000_500 });
    const time = plan.nextBatchTime();
    plan.wake();
    expect(await Promise.race([time, new Promise((resolve) => setTimeout(resolve, 250, 'waiting'))])).toBe(
      1_001_000,
    );
  });

  it('a micro-batch budget stands for its interval; a continuous one for the time since the last cut', () => {
    expect(schedule('micro-batch').plan.budget()).toBeUndefined();
    const micro = schedule('micro-batch', { maxRatePerPartition: 10 });
    expect(micro.plan.budget()).toEqual({ total: undefined, perPartition: 10 });
    micro.clock.now = 300;
    expect(micro.plan.budget()).toEqual({ total: undefined, perPartition: 10 });
    const continuous = schedule('continuous', { maxRatePerPartition: 10 });
    expect(continuous.plan.budget()).toEqual({ total: undefined, perPartition: 10 });
    continuous.clock.now = 300;
    expect(continuous.plan.budget()).toEqual({ total: undefined, perPartition: 3 });
    // At least 1 ms.
    expect(continuous.plan.budget()).toEqual({ total: undefined, perPartition: 0.01 });
  });

  it('only continuous cuts without records are idle, and a job that ticks is not once its interval passed', () => {
    expect(schedule('micro-batch').plan.idle([])).toBe(false);
    const continuous = schedule('continuous');
    expect(continuous.plan.idle(records(1))).toBe(false);
    expect(continuous.plan.idle([])).toBe(true);
    expect(continuous.plan.idle(records(0))).toBe(true);
    // No records, but offsets passed (a transaction marker): it runs, so its commit follows.
    const marker = { ...records(0)[0], records: 0 } as PartitionWork;
    expect(continuous.plan.idle([{ ...marker, range: { ...marker.range, untilOffset: toOffset(1n) } }])).toBe(
      false,
    );
    const ticking = schedule('continuous', { ticks: true, start: 5_000 });
    ticking.plan.ran(5_000);
    ticking.clock.now = 5_999;
    expect(ticking.plan.idle([])).toBe(true);
    ticking.clock.now = 6_000;
    expect(ticking.plan.idle([])).toBe(false);
  });

  it('an idle run waits for data up to its interval, its next tick or a commit due, at least 1 ms', async () => {
    const plain = schedule('continuous');
    await plain.plan.waitForData();
    const commitDue = schedule('continuous', { dueIn: 120 });
    await commitDue.plan.waitForData();
    const ticking = schedule('continuous', { ticks: true, start: 5_000 });
    ticking.plan.ran(4_700);
    await ticking.plan.waitForData();
    const overdue = schedule('continuous', { dueIn: -40 });
    await overdue.plan.waitForData();
    expect([plain.waits, commitDue.waits, ticking.waits, overdue.waits]).toEqual([
      [1_000],
      [120],
      [700],
      [1],
    ]);
  });

  it("follows the latency tuner's interval and caps each batch at its records", async () => {
    const tuner = new LatencyTuner({
      targetMs: 400,
      interval: { startMs: 1_000, minMs: 10, maxMs: 400 },
      records: { min: 100, max: 10_000 },
    });
    const { plan, clock } = schedule('micro-batch', { tuner, maxRatePerPartition: 50_000, start: 5 });
    // The interval starts at the target's bound, not the configured 1 s.
    expect(plan.intervalMs).toBe(400);
    expect(await plan.nextBatchTime()).toBe(400);
    expect(plan.budget()).toEqual({ total: 10_000, perPartition: 20_000 });
    tuner.observe({ p99Ms: 900, processingMs: 300, records: 10_000 });
    expect([tuner.intervalMs, tuner.maxRecords]).toEqual([300, 7_500]);
    clock.now = 401;
    expect(await plan.nextBatchTime()).toBe(600);
    expect(plan.budget()).toEqual({ total: 7_500, perPartition: 15_000 });
    // Without a rate limit, the tuner's cap alone.
    expect(schedule('continuous', { tuner }).plan.budget()).toEqual({
      total: 7_500,
      perPartition: undefined,
    });
  });
});
