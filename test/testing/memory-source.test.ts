import { describe, expect, it } from 'vitest';
import type { PartitionWork } from '../../src/coordinator/index.ts';
import type { BatchInfo } from '../../src/core/index.ts';
import { toOffset } from '../../src/core/index.ts';
import { BatchView } from '../../src/task/index.ts';
import { MemorySource } from '../../src/testing/memory-source.ts';

// The TestDriver's source: one push, one batch, in the slot batch format the Kafka source writes.

const info: BatchInfo = { batchId: 0, time: 1000, intervalMs: 1000, offsetRanges: [] };

function view(item: PartitionWork): BatchView {
  const task = item.task(info);
  if (task.type !== 'kafka') throw new Error(`expected a kafka task, got ${task.type}`);
  return new BatchView(task.buffer, task.byteLength);
}

async function next(source: MemorySource): Promise<PartitionWork[]> {
  const work = await source.next();
  if (work === 'end') throw new Error('unexpected end');
  return work;
}

describe('MemorySource', () => {
  it('hands out each push as one batch: one work item per partition, encoded as a Kafka batch', async () => {
    const source = new MemorySource({ topic: 'in' });
    source.push([
      { partition: 1, key: 'k', timestamp: 7, bytes: '{"a":1}' },
      { partition: 0, value: { given: true } },
      { partition: 1, offset: 40, bytes: null },
      { topic: 'other', partition: 0, bytes: Uint8Array.of(1, 2) },
    ]);
    source.push([{ partition: 1, bytes: 'x' }]);
    const work = await next(source);
    expect(work.map((item) => item.range)).toEqual([
      { topic: 'in', partition: 0, fromOffset: 0n, untilOffset: 1n },
      { topic: 'in', partition: 1, fromOffset: 0n, untilOffset: 41n },
      { topic: 'other', partition: 0, fromOffset: 0n, untilOffset: 1n },
    ]);
    expect(work.map((item) => item.records)).toEqual([1, 2, 1]);
    const batch = view(work[1] as PartitionWork);
    expect([batch.topic, batch.partition, batch.count]).toEqual(['in', 1, 2]);
    expect([batch.offset(0), batch.offset(1)]).toEqual([0n, 40n]);
    expect([batch.timestamp(0), batch.timestamp(1)]).toEqual([7, 0]);
    expect(Buffer.from(batch.key(0) ?? []).toString()).toBe('k');
    expect(batch.key(1)).toBeNull();
    expect(batch.valueString(0)).toBe('{"a":1}');
    expect(batch.value(1)).toBeNull();

    // A value record travels without bytes; its value is handed over as it is.
    expect(view(work[0] as PartitionWork).value(0)).toBeNull();
    expect(source.given('in', 0, 0)).toEqual({ value: { given: true } });
    expect(source.given('in', 1, 0)).toBeUndefined();

    const second = await next(source);
    expect(second.map((item) => item.range)).toEqual([
      { topic: 'in', partition: 1, fromOffset: 41n, untilOffset: 42n },
    ]);
    expect(await source.next()).toEqual([]);
  });

  it('owns the partitions given and those that brought records; knows their positions', async () => {
    const source = new MemorySource({ topic: 'in', partitions: [2] });
    expect(source.owned()).toEqual([{ topic: 'in', partition: 2 }]);
    source.push([
      { partition: 0, offset: 5, bytes: 'a' },
      { partition: 0, bytes: 'b' },
    ]);
    expect(source.owned()).toEqual([
      { topic: 'in', partition: 0 },
      { topic: 'in', partition: 2 },
    ]);
    expect(source.position('in', 0)).toBe(7n);
    expect(source.position('in', 2)).toBe(0n);
    expect(source.position('in', 9)).toBeUndefined();
    expect(source.buffered()).toEqual([
      { topic: 'in', partition: 0, records: 2, bytes: 2, paused: false },
      { topic: 'in', partition: 2, records: 0, bytes: 0, paused: false },
    ]);
    expect(source.waiting()).toBe(2);
    await source.next();
    expect(source.waiting()).toBe(0);
    expect(source.unavailable()).toBeUndefined();
    expect(await source.replay()).toBeUndefined();
  });

  it('ends where end() was queued, records commits, and waits for data until a push', async () => {
    const source = new MemorySource({ topic: 'in' });
    await source.commit([{ topic: 'in', partition: 0, fromOffset: toOffset(0n), untilOffset: toOffset(3n) }]);
    expect(source.committed).toEqual([{ topic: 'in', partition: 0, fromOffset: 0n, untilOffset: 3n }]);

    const controller = new AbortController();
    const waiting = source.waitForData(60_000, controller.signal);
    source.push([{ bytes: 'a' }]);
    await waiting;
    await source.waitForData(1, controller.signal);
    source.end();
    expect((await next(source)).length).toBe(1);
    expect(await source.next()).toBe('end');
    await source.next();
    await source.close();
  });
});
