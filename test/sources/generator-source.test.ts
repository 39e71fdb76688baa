import { describe, expect, it } from 'vitest';
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
