import { describe, expect, it } from 'vitest';
import { GeneratorSource } from '../../src/runtime/index.ts';

const spec = { seed: 1, partitions: 2 };

describe('GeneratorSource.waiting', () => {
  it('counts the events a coming batch can take: the rest of a bounded run, up to a batch per partition', async () => {
    const source = new GeneratorSource({
      spec,
      ratePerSecond: 0,
      eventsPerPartition: 150,
      bounded: true,
      maxRecordsPerBatch: 100,
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
      now: () => clock.now,
    });
    expect(source.waiting()).toBe(0);
    clock.now = 2_000;
    expect(source.waiting()).toBe(20);
    await source.next();
    expect(source.waiting()).toBe(0);
  });
});
