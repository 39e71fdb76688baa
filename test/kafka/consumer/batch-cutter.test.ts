import { describe, expect, it } from 'vitest';
import { UNLIMITED } from '../../../src/backpressure/index.ts';
import { loadConfig } from '../../../src/config/index.ts';
import { partitionId } from '../../../src/core/index.ts';
import { BatchCutter } from '../../../src/kafka/consumer/batch-cutter.ts';
import { FetchBuffers, type PartitionBuffer } from '../../../src/kafka/consumer/fetch-buffer.ts';
import type { FetchedBatch } from '../../../src/kafka/consumer/record-sets.ts';

function setup(env: Record<string, string> = {}) {
  const config = loadConfig({
    SLUICE_BROKERS: '127.0.0.1:1',
    SLUICE_TOPICS: 't',
    SLUICE_GROUP_ID: 'g',
    ...env,
  });
  const buffers = new FetchBuffers(config);
  buffers.reassign({ t: [0] }, undefined);
  const buffer = buffers.get(partitionId('t', 0)) as PartitionBuffer;
  buffers.positionAt(buffer, 0n);
  return { buffers, buffer, cutter: new BatchCutter(buffers, config) };
}

/** A stand-in batch: the cutter reads offsets, counts and sizes, never the bytes' content. */
function fetched(base: bigint, last: bigint, count: number, size = 100): FetchedBatch {
  return { bytes: new Uint8Array(size).fill(Number(base % 200n)), base, last, count };
}

function ranges(work: ReturnType<BatchCutter['cut']>) {
  return work.map((item) => [item.range.fromOffset, item.range.untilOffset, item.records]);
}

describe('BatchCutter', () => {
  it('cuts whole batches, one range per partition, and moves the position to its end', () => {
    const { buffers, buffer, cutter } = setup();
    buffers.append(buffer, [fetched(0n, 9n, 10), fetched(10n, 19n, 10)], 20n, 50n);
    expect(buffer.records).toBe(20);
    const work = cutter.cut(UNLIMITED);
    expect(ranges(work)).toEqual([[0n, 20n, 20]]);
    expect(buffer.position).toBe(20n);
    expect(buffer.batches).toEqual([]);
    expect([buffer.records, buffer.bytes]).toEqual([0, 0]);
    expect(cutter.cut(UNLIMITED)).toEqual([]);
  });

  it('cuts inside a batch larger than the share, and goes on inside it the next time', () => {
    const { buffers, buffer, cutter } = setup({ SLUICE_MAX_RECORDS_PER_BATCH: '4' });
    buffers.append(buffer, [fetched(0n, 9n, 10)], 10n, 10n);
    expect(ranges(cutter.cut(UNLIMITED))).toEqual([[0n, 4n, 4]]);
    expect(buffer.records).toBe(6);
    expect(ranges(cutter.cut(UNLIMITED))).toEqual([[4n, 8n, 4]]);
    expect(ranges(cutter.cut(UNLIMITED))).toEqual([[8n, 10n, 2]]);
    expect(buffer.batches).toEqual([]);
  });

  it('stops before a batch that would pass the share or the bytes, but always takes one', () => {
    const { buffers, buffer, cutter } = setup({
      SLUICE_MAX_RECORDS_PER_BATCH: '15',
      SLUICE_MAX_BYTES_PER_BATCH: '150',
    });
    buffers.append(buffer, [fetched(0n, 9n, 10), fetched(10n, 14n, 5), fetched(15n, 15n, 1, 1000)], 16n, 16n);
    expect(ranges(cutter.cut(UNLIMITED))).toEqual([[0n, 10n, 10]]);
    expect(ranges(cutter.cut(UNLIMITED))).toEqual([[10n, 15n, 5]]);
    // Larger than the byte cap: alone, never stuck.
    expect(ranges(cutter.cut(UNLIMITED))).toEqual([[15n, 16n, 1]]);
  });

  it('covers the offsets the fetch left out after the last batch (markers, aborted records)', () => {
    const { buffers, buffer, cutter } = setup();
    buffers.append(buffer, [fetched(0n, 4n, 5)], 7n, 7n);
    expect(ranges(cutter.cut(UNLIMITED))).toEqual([[0n, 7n, 5]]);
    // Nothing but left-out offsets: an empty range, so the commit moves past them.
    buffers.append(buffer, [], 9n, 9n);
    expect(ranges(cutter.cut(UNLIMITED))).toEqual([[7n, 9n, 0]]);
    expect(cutter.cut(UNLIMITED)).toEqual([]);
  });

  it('counts compacted batches by their records, not their offsets', () => {
    const { buffers, buffer, cutter } = setup();
    buffers.append(buffer, [fetched(0n, 99n, 3)], 100n, 100n);
    expect(ranges(cutter.cut(UNLIMITED))).toEqual([[0n, 100n, 3]]);
  });

  it('ends an available-now partition at its end, inside a batch too', () => {
    const { buffers, buffer, cutter } = setup();
    buffer.end = 15n;
    buffers.append(buffer, [fetched(0n, 9n, 10), fetched(10n, 19n, 10)], 20n, 20n);
    expect(buffers.waiting()).toBe(15);
    expect(ranges(cutter.cut(UNLIMITED))).toEqual([[0n, 15n, 15]]);
    expect(cutter.cut(UNLIMITED)).toEqual([]);
    expect(buffers.drained(() => true)).toBe(true);
  });

  it('replays exactly a logged range', () => {
    const { buffers, buffer, cutter } = setup();
    buffers.append(buffer, [fetched(0n, 9n, 10), fetched(10n, 19n, 10)], 20n, 20n);
    const work = cutter.replayed(buffer, 13n);
    expect([work.range.fromOffset, work.range.untilOffset, work.records]).toEqual([0n, 13n, 13]);
    expect(buffer.position).toBe(13n);
    expect(buffer.batches.map((batch) => batch.base)).toEqual([10n]);
    expect(buffer.records).toBe(7);
  });

  it("hands the range's batches to the slot back to back in a shared buffer", () => {
    const { buffers, buffer, cutter } = setup();
    buffers.append(buffer, [fetched(0n, 0n, 1, 3), fetched(1n, 1n, 1, 2)], 2n, 2n);
    const [work] = cutter.cut(UNLIMITED);
    const task = work?.task({ batchId: 0, time: 0, intervalMs: 1000, offsetRanges: [] });
    if (task?.type !== 'records') throw new Error(`expected a records task, got ${task?.type}`);
    expect([task.topic, task.partition, task.fromOffset, task.untilOffset]).toEqual(['t', 0, 0n, 2n]);
    expect(task.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect([...new Uint8Array(task.buffer, task.byteOffset, task.byteLength)]).toEqual([0, 0, 0, 1, 1]);
    work?.settled();
  });

  it('pauses a full partition and resumes it once batches took half', () => {
    const { buffers, buffer, cutter } = setup({ SLUICE_MAX_RECORDS_PER_BATCH: '1000' });
    // A Buffer, as kafkajs's responses are: its slice() is a view, not a copy.
    const response = Buffer.alloc(10_000, 9);
    const view = response.subarray(100, 200);
    buffers.append(buffer, [{ ...fetched(0n, 1999n, 2000), bytes: view }], 2000n, 2000n);
    buffers.pauseIfFull(buffer);
    expect(buffer.paused).toBe(true);
    // Copied out of the response it was a view of, so a waiting partition pins no other bytes.
    expect(buffer.batches[0]?.bytes.buffer).not.toBe(response.buffer);
    expect([...(buffer.batches[0]?.bytes ?? [])]).toEqual([...view]);
    expect(buffer.bytes).toBe(100);
    expect(buffers.fetchable()).toEqual([]);
    cutter.cut({ total: 500, perPartition: undefined });
    expect(buffer.paused).toBe(true);
    cutter.cut({ total: 600, perPartition: undefined });
    expect(buffer.paused).toBe(false);
    expect(buffers.fetchable()).toEqual([buffer]);
  });
});
