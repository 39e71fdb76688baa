import { describe, expect, it } from 'vitest';
import { RateController } from '../../src/backpressure/index.ts';
import { type BatchStats, Engine } from '../../src/coordinator/index.ts';
import { silentLogger } from '../../src/core/index.ts';
import { Outputs } from '../../src/sinks/index.ts';
import { GeneratorSource } from '../../src/sources/index.ts';
import { inThreadSlots, loggingPlan } from '../support/scripted-engine.ts';

/**
 * The engine on the generator (2 endless partitions) with a clock the slots move: a batch's
 * processing time is its records × the cost per record of the phase it runs in.
 */
async function run(options: {
  readonly rates: RateController;
  /** Records per millisecond the slots process, per batch index; the run stops after the last. */
  readonly speeds: readonly number[];
}): Promise<BatchStats[]> {
  const events: string[] = [];
  const plan = loggingPlan(events);
  const clock = { now: 0 };
  const slots = inThreadSlots(plan);
  const stats: BatchStats[] = [];
  const source = new GeneratorSource({
    spec: { seed: 1, partitions: 2 },
    ratePerSecond: 0,
    eventsPerPartition: 0,
    bounded: false,
    maxRecordsPerBatch: 10_000,
    maxBytesPerBatch: 64 * 1024 * 1024,
    now: () => clock.now,
  });
  const engine = new Engine({
    plan,
    slots: {
      async run(topic, partition, task) {
        const speed = options.speeds[stats.length] ?? 1;
        if (task.type === 'generate') clock.now += task.count / speed;
        return slots.run(topic, partition, task);
      },
    },
    source,
    assignment: source,
    replay: source,
    outputs: new Outputs(),
    trigger: 'micro-batch',
    intervalMs: 10,
    commitIntervalMs: 10,
    log: silentLogger,
    now: () => clock.now,
    rates: options.rates,
    onBatch(batch) {
      stats.push(batch);
      if (stats.length === options.speeds.length) engine.stop();
    },
  });
  await engine.run();
  return stats;
}

const controller = (overrides: Partial<ConstructorParameters<typeof RateController>[0]> = {}) =>
  new RateController({
    backpressure: true,
    initialRate: undefined,
    minRate: 100,
    maxRatePerPartition: undefined,
    batchIntervalMs: 10,
    ...overrides,
  });

describe('engine with backpressure', () => {
  it('holds batches to the rate the slots keep up with, through a slow spell and after it', async () => {
    const fast = 100;
    const slow = 10;
    const stats = await run({
      rates: controller(),
      speeds: [fast, fast, fast, slow, slow, slow, fast, fast],
    });
    expect(stats.map((batch) => batch.consumed)).toEqual([
      // Unlimited until the estimator has two batches: SLUICE_MAX_RECORDS_PER_BATCH per partition.
      20_000, 20_000,
      // 100,000 records/s × 10 ms.
      1000,
      // The slow batch is measured at 10,000/s: 100 records per batch while it lasts.
      1000, 100, 100,
      // Measured at 100,000/s again.
      100, 1000,
    ]);
    expect(stats.map((batch) => batch.rate)).toEqual([
      undefined,
      100_000,
      100_000,
      10_000,
      10_000,
      10_000,
      100_000,
      100_000,
    ]);
    // Shared equally by the two partitions.
    expect(stats[2]?.info.offsetRanges.map((range) => range.untilOffset - range.fromOffset)).toEqual([
      500n,
      500n,
    ]);
  });

  it('starts at the initial rate', async () => {
    const stats = await run({ rates: controller({ initialRate: 50_000 }), speeds: [100, 100] });
    expect(stats.map((batch) => batch.consumed)).toEqual([500, 500]);
  });

  it('caps every partition at SLUICE_MAX_RATE_PER_PARTITION × the interval without backpressure', async () => {
    const rates = controller({ backpressure: false, maxRatePerPartition: 1000 });
    const stats = await run({ rates, speeds: [100, 1, 100] });
    expect(stats.map((batch) => batch.consumed)).toEqual([20, 20, 20]);
    expect(stats.map((batch) => batch.rate)).toEqual([undefined, undefined, undefined]);
  });
});
