import { describe, expect, it } from 'vitest';
import { isSluiceError } from '../../../src/errors/index.ts';
import { frameRecords } from '../../../src/kafka/consumer/record-sets.ts';
import { controlRecordType } from '../../../src/task/index.ts';
import {
  batchBytes as batch,
  CONTROL,
  concatBytes as concat,
  TRANSACTIONAL,
} from '../../support/record-batches.ts';

/** A control batch's one record: key (version 0, type), value (version 0, coordinator epoch 0). */
function marker(base: bigint, producerId: bigint, type: 'abort' | 'commit'): Uint8Array {
  const key = [0, 0, 0, type === 'abort' ? 0 : 1];
  const value = [0, 0, 0, 0, 0, 0];
  const record = [0, 0, 0, key.length * 2, ...key, value.length * 2, ...value, 0];
  const body = Uint8Array.from([record.length * 2, ...record]);
  return batch({ base, lastOffsetDelta: 0, count: 1, attributes: TRANSACTIONAL | CONTROL, producerId, body });
}

describe('controlRecordType', () => {
  it("reads a marker's type from its record key, and -1 from a record too short to hold one", () => {
    const records = (type: 'abort' | 'commit') => marker(0n, 1n, type).subarray(61);
    const abort = records('abort');
    expect(controlRecordType(abort, 0, abort.length)).toBe(0);
    const commit = records('commit');
    expect(controlRecordType(commit, 0, commit.length)).toBe(1);
    for (const end of [0, 3, 7]) expect(controlRecordType(commit, 0, end)).toBe(-1);
    // A key of 2 bytes: not a control key.
    const short = Uint8Array.from([16, 0, 0, 0, 4, 0, 1, 0, 0, 0]);
    expect(controlRecordType(short, 0, short.length)).toBe(-1);
  });
});

const offsets = (framed: ReturnType<typeof frameRecords>) =>
  framed.batches.map(({ base, last, count }) => [base, last, count]);

describe('frameRecords', () => {
  it('frames back-to-back batches by their headers, leaving out those before the fetch offset', () => {
    const records = concat(
      batch({ base: 0n, lastOffsetDelta: 4, count: 5 }),
      batch({ base: 5n, lastOffsetDelta: 9, count: 10 }),
      batch({ base: 15n, lastOffsetDelta: 2, count: 3 }),
    );
    const framed = frameRecords(records, 7n, null, 't-0');
    expect(offsets(framed)).toEqual([
      [5n, 14n, 10],
      [15n, 17n, 3],
    ]);
    expect(framed.next).toBe(18n);
    expect(framed.partialSize).toBeUndefined();
    // The views are the response's bytes, not copies.
    expect(framed.batches[0]?.bytes.buffer).toBe(records.buffer);
    expect(framed.batches[0]?.bytes.byteOffset).toBe(71);
  });

  it('keeps offset gaps of compacted batches (count below the offset span)', () => {
    const framed = frameRecords(batch({ base: 100n, lastOffsetDelta: 49, count: 3 }), 100n, null, 't-0');
    expect(offsets(framed)).toEqual([[100n, 149n, 3]]);
    expect(framed.next).toBe(150n);
  });

  it('stops at a batch the fetch cut short; with no whole batch it says how large the first one is', () => {
    const whole = batch({ base: 0n, lastOffsetDelta: 0, count: 1 });
    const big = batch({ base: 1n, lastOffsetDelta: 0, count: 1, body: new Uint8Array(1000) });
    const cut = frameRecords(concat(whole, big.subarray(0, 100)), 0n, null, 't-0');
    expect(offsets(cut)).toEqual([[0n, 0n, 1]]);
    expect(cut.next).toBe(1n);
    expect(cut.partialSize).toBeUndefined();
    const only = frameRecords(big.subarray(0, 100), 1n, null, 't-0');
    expect(only).toEqual({ batches: [], next: undefined, partialSize: 1061 });
    expect(frameRecords(big.subarray(0, 5), 1n, null, 't-0')).toEqual({
      batches: [],
      next: undefined,
      partialSize: undefined,
    });
    expect(frameRecords(new Uint8Array(0), 0n, null, 't-0').next).toBeUndefined();
  });

  it('leaves out control batches, and under read_committed the batches of aborted transactions', () => {
    const records = concat(
      batch({ base: 0n, lastOffsetDelta: 1, count: 2, attributes: TRANSACTIONAL, producerId: 7n }),
      batch({ base: 2n, lastOffsetDelta: 1, count: 2, attributes: TRANSACTIONAL, producerId: 8n }),
      marker(4n, 7n, 'abort'),
      marker(5n, 8n, 'commit'),
      // Producer 7 again, a new transaction after its abort: committed.
      batch({ base: 6n, lastOffsetDelta: 0, count: 1, attributes: TRANSACTIONAL, producerId: 7n }),
      marker(7n, 7n, 'commit'),
      batch({ base: 8n, lastOffsetDelta: 0, count: 1 }),
    );
    const committed = frameRecords(records, 0n, [{ producerId: 7n, firstOffset: 0n }], 't-0');
    expect(offsets(committed)).toEqual([
      [2n, 3n, 2],
      [6n, 6n, 1],
      [8n, 8n, 1],
    ]);
    expect(committed.next).toBe(9n);
    // Without aborted transactions (read_uncommitted, or none in range) only markers go.
    expect(offsets(frameRecords(records, 0n, null, 't-0'))).toEqual([
      [0n, 1n, 2],
      [2n, 3n, 2],
      [6n, 6n, 1],
      [8n, 8n, 1],
    ]);
  });

  it('aborts a transaction only from its first offset on', () => {
    const records = concat(
      batch({ base: 0n, lastOffsetDelta: 0, count: 1, attributes: TRANSACTIONAL, producerId: 7n }),
      marker(1n, 7n, 'commit'),
      batch({ base: 2n, lastOffsetDelta: 0, count: 1, attributes: TRANSACTIONAL, producerId: 7n }),
      marker(3n, 7n, 'abort'),
    );
    const framed = frameRecords(records, 0n, [{ producerId: 7n, firstOffset: 2n }], 't-0');
    expect(offsets(framed)).toEqual([[0n, 0n, 1]]);
    expect(framed.next).toBe(4n);
  });

  it('refuses a batch declaring fewer bytes than a header, naming the partition and offset', () => {
    const bad = batch({ base: 42n, lastOffsetDelta: 0, count: 1 });
    new DataView(bad.buffer).setInt32(8, 3);
    let caught: unknown;
    try {
      frameRecords(bad, 42n, null, 'clicks-3');
    } catch (error) {
      caught = error;
    }
    expect(isSluiceError(caught)).toBe(true);
    expect((caught as Error).message).toBe(
      "corrupt record batch in clicks-3 at offset 42: it declares 15 bytes, fewer than a batch header; Kafka's consumer stops here too (a damaged log segment)",
    );
  });
});
