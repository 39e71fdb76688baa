import { describe, expect, it } from 'vitest';
import { generatorRate, loadConfig } from '../../src/config/index.ts';
import { toOffset } from '../../src/core/index.ts';
import { GeneratorSource } from '../../src/sources/index.ts';
import { CLICK_EVENT_BYTES, clickAt } from '../../src/task/index.ts';

const spec = { seed: 1, partitions: 2 };

describe('GeneratorSource.waiting', () => {
  it('counts the events a coming batch can take: the rest of a bounded run, up to a batch per partition', async () => {
    const source = new GeneratorSource({
      spec,
      ratePerSecond: 0,
      eventsPerPartition: 150,
      bounded: true,
      maxRecordsPerBatch: 100,
      maxBytesPerBatch: 64 * 1024 * 1024,
    });
    expect(source.waiting()).toBe(200);
    await source.next();
    expect(source.waiting()).toBe(100);
    await source.next();
    expect(source.waiting()).toBe(0);
  });

  it('counts the events the rate made due and not yet handed out', async () => {
    const clock = { now: 0 };
    const source = new GeneratorSource({
      spec,
      ratePerSecond: 10,
      eventsPerPartition: 1_000,
      bounded: false,
      maxRecordsPerBatch: 1_000,
      maxBytesPerBatch: 64 * 1024 * 1024,
      now: () => clock.now,
    });
    expect(source.waiting()).toBe(0);
    clock.now = 2_000;
    expect(source.waiting()).toBe(20);
    await source.next();
    expect(source.waiting()).toBe(0);
  });
});

describe('GeneratorSource batch bytes', () => {
  it('takes at most SLUICE_MAX_BYTES_PER_BATCH over all partitions, each event counted as its largest JSON', async () => {
    const source = new GeneratorSource({
      spec,
      ratePerSecond: 0,
      eventsPerPartition: 1_000,
      bounded: true,
      maxRecordsPerBatch: 1_000,
      maxBytesPerBatch: 100 * CLICK_EVENT_BYTES + 50,
    });
    const work = await source.next();
    expect(work !== 'end' && work.map((item) => item.records)).toEqual([50, 50]);
    for (let offset = 0; offset < 20_000; offset += 7) {
      const event = clickAt({ ...spec, baseTime: Date.UTC(2286, 0, 1) }, offset % 3, offset);
      expect(JSON.stringify(event).length).toBeLessThanOrEqual(CLICK_EVENT_BYTES);
    }
  });
});

describe('GeneratorSource as an assignment and a replay', () => {
  const source = () =>
    new GeneratorSource({
      spec,
      ratePerSecond: 0,
      eventsPerPartition: 100,
      bounded: true,
      maxRecordsPerBatch: 10,
      maxBytesPerBatch: 64 * 1024 * 1024,
    });
  const range = (partition: number, from: number, until: number) => ({
    topic: 'generator',
    partition,
    fromOffset: toOffset(from),
    untilOffset: toOffset(until),
  });

  it('owns every partition from the start, each at its next offset', async () => {
    const generator = source();
    await generator.ready();
    expect(generator.owned()).toEqual([
      { topic: 'generator', partition: 0 },
      { topic: 'generator', partition: 1 },
    ]);
    await generator.next();
    expect([generator.position('generator', 0), generator.position('generator', 1)]).toEqual([10n, 10n]);
    expect(generator.position('generator', 2)).toBeUndefined();
    expect(generator.position('other', 0)).toBeUndefined();
    expect([generator.buffered(), generator.unavailable()]).toEqual([[], undefined]);
  });

  it('replays exactly the ranges asked from where each partition stands, and goes on after them', async () => {
    const generator = source();
    const work = await generator.replay([range(0, 0, 4), range(1, 0, 7)]);
    const info = { batchId: 3, time: 0, intervalMs: 1000, offsetRanges: [] };
    expect(work?.map((item) => [item.records, item.task(info), item.values()])).toEqual([
      [4, { type: 'generate', info, partition: 0, fromOffset: 0, count: 4 }, []],
      [7, { type: 'generate', info, partition: 1, fromOffset: 0, count: 7 }, []],
    ]);
    const next = await generator.next();
    expect(next !== 'end' && next.map((item) => item.range)).toEqual([range(0, 4, 14), range(1, 7, 17)]);
  });

  it('cannot replay a range that does not start where its partition stands', async () => {
    const generator = source();
    await generator.next();
    expect(await generator.replay([range(0, 0, 4)])).toBeUndefined();
    expect(await generator.replay([range(0, 10, 12), range(2, 0, 1)])).toBeUndefined();
  });
});

describe('GeneratorSource pace', () => {
  /** Events handed out by `next()` calls at each time of the source's clock (ms), summed. */
  async function handedOut(ratePerSecond: number, times: readonly number[]): Promise<number[]> {
    const clock = { now: 0 };
    const source = new GeneratorSource({
      spec: { seed: 1, partitions: 4 },
      ratePerSecond,
      eventsPerPartition: 0,
      bounded: false,
      maxRecordsPerBatch: 100_000,
      maxBytesPerBatch: 64 * 1024 * 1024,
      now: () => clock.now,
    });
    let total = 0;
    const totals: number[] = [];
    for (const time of times) {
      clock.now = time;
      const work = await source.next();
      if (work === 'end') throw new Error('an endless source ended');
      total += work.reduce((sum, item) => sum + item.records, 0);
      totals.push(total);
    }
    return totals;
  }

  it('by default (SLUICE_GENERATOR_RATE unset) hands out 10,000 events per second of its clock', async () => {
    const rate = generatorRate(loadConfig({}, { cpus: 2 }));
    expect(await handedOut(rate, [0, 1_000, 2_500, 2_500, 30_000])).toEqual([
      0, 10_000, 25_000, 25_000, 300_000,
    ]);
  });

  it('with SLUICE_GENERATOR_RATE=0 hands out a full batch per partition without waiting for its clock', async () => {
    const rate = generatorRate(loadConfig({ SLUICE_GENERATOR_RATE: '0' }, { cpus: 2 }));
    expect(await handedOut(rate, [0, 0, 0])).toEqual([400_000, 800_000, 1_200_000]);
  });
});
