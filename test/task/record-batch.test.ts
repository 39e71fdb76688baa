import { describe, expect, it } from 'vitest';
import {
  BATCH_HEADER_BYTES,
  crcMatches,
  readBatchHeader,
  readRecords,
} from '../../src/task/record-batch/record-batch.ts';

// kafkajs's encoder writes the batches a broker would hand out (tests may load kafkajs).
type RecordInput = {
  offsetDelta: number;
  timestampDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, string>;
};
const { default: encodeRecord } = await import('kafkajs/src/protocol/recordBatch/record/v0/index.js');
const { RecordBatch } = (await import('kafkajs/src/protocol/recordBatch/v0/index.js')).default;
const { default: Long } = await import('kafkajs/src/utils/long.js');

async function batchOf(baseOffset: string, baseTimestamp: number, records: RecordInput[]): Promise<Buffer> {
  const encoded = await RecordBatch({
    firstOffset: Long.fromString(baseOffset),
    firstTimestamp: baseTimestamp,
    maxTimestamp: baseTimestamp + Math.max(0, ...records.map((record) => record.timestampDelta)),
    lastOffsetDelta: records.at(-1)?.offsetDelta ?? 0,
    records: records.map(encodeRecord),
  });
  return encoded.buffer;
}

type Decoded = {
  offset: bigint;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: number;
};

function decode(bytes: Buffer): Decoded[][] {
  const batches: Decoded[][] = [];
  let at = 0;
  for (;;) {
    const header = readBatchHeader(bytes, at);
    if (header === 'partial') break;
    expect(crcMatches(bytes, at, header)).toBe(true);
    const out: Decoded[] = [];
    const text = (start: number, length: number) =>
      length < 0 ? null : bytes.subarray(start, start + length).toString('utf8');
    readRecords(bytes, at + BATCH_HEADER_BYTES, at + header.size, header, (record) => {
      out.push({
        offset: header.baseOffset + BigInt(record.offsetDelta),
        timestamp: record.timestamp,
        key: text(record.keyStart, record.keyLength),
        value: text(record.valueStart, record.valueLength),
        headers: record.headerCount,
      });
    });
    batches.push(out);
    at += header.size;
  }
  return batches;
}

const BASE_TIME = 1_767_225_600_000;

function thrown(fn: () => unknown): { code: unknown; message: string } | undefined {
  try {
    fn();
  } catch (error) {
    return { code: (error as { code?: unknown }).code, message: (error as Error).message };
  }
  return undefined;
}

describe('RecordBatch v2 in a slot', () => {
  it('reads offsets, timestamps, keys, values (null, empty, UTF-8) and headers exactly', async () => {
    const bytes = await batchOf('9007199254740993', BASE_TIME, [
      { offsetDelta: 0, timestampDelta: 0, key: Buffer.from('user-1'), value: Buffer.from('{"a":1}') },
      { offsetDelta: 1, timestampDelta: 250, key: null, value: Buffer.from('é😀') },
      {
        offsetDelta: 5,
        timestampDelta: 70_000_000_000,
        key: Buffer.from(''),
        value: null,
        headers: { h: 'v', g: 'w' },
      },
    ]);
    const header = readBatchHeader(bytes, 0);
    if (header === 'partial') throw new Error('partial');
    expect({
      count: header.count,
      magic: header.magic,
      compression: header.compression,
      size: header.size,
    }).toEqual({
      count: 3,
      magic: 2,
      compression: 0,
      size: bytes.length,
    });
    expect(decode(bytes)).toEqual([
      [
        { offset: 9_007_199_254_740_993n, timestamp: BASE_TIME, key: 'user-1', value: '{"a":1}', headers: 0 },
        { offset: 9_007_199_254_740_994n, timestamp: BASE_TIME + 250, key: null, value: 'é😀', headers: 0 },
        {
          offset: 9_007_199_254_740_998n,
          timestamp: BASE_TIME + 70_000_000_000,
          key: '',
          value: null,
          headers: 2,
        },
      ],
    ]);
  });

  it('reads batches back to back and stops at a batch the fetch cut short', async () => {
    const first = await batchOf('0', BASE_TIME, [
      { offsetDelta: 0, timestampDelta: 0, key: null, value: Buffer.from('a') },
    ]);
    const second = await batchOf('1', BASE_TIME, [
      { offsetDelta: 0, timestampDelta: 1, key: null, value: Buffer.from('b') },
    ]);
    const cut = Buffer.concat([first, second, second.subarray(0, 30)]);
    expect(decode(cut).map((batch) => batch.map((record) => [record.offset, record.value]))).toEqual([
      [[0n, 'a']],
      [[1n, 'b']],
    ]);
    expect(readBatchHeader(cut, first.length + second.length)).toBe('partial');
    expect(readBatchHeader(cut, cut.length - 5)).toBe('partial');
  });

  it('sees a flipped byte in the CRC, and refuses lengths that run past the batch', async () => {
    const bytes = await batchOf('7', BASE_TIME, [
      { offsetDelta: 0, timestampDelta: 0, key: Buffer.from('k'), value: Buffer.from('value') },
    ]);
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 3] = (flipped[flipped.length - 3] as number) ^ 0x01;
    const header = readBatchHeader(flipped, 0);
    if (header === 'partial') throw new Error('partial');
    expect(crcMatches(flipped, 0, header)).toBe(false);

    const lying = Buffer.from(bytes);
    lying[BATCH_HEADER_BYTES] = 0x7e; // the record's length varint: 63 bytes, past the batch's end
    const lyingHeader = readBatchHeader(lying, 0);
    if (lyingHeader === 'partial') throw new Error('partial');
    expect(
      thrown(() => readRecords(lying, BATCH_HEADER_BYTES, lyingHeader.size, lyingHeader, () => {})),
    ).toEqual({
      code: 'SLUICE_DECODE',
      message: 'corrupt record batch: record 0 runs past the end of its batch',
    });
  });

  it('refuses another magic and a length shorter than a header, naming the byte', async () => {
    const bytes = await batchOf('0', BASE_TIME, [
      { offsetDelta: 0, timestampDelta: 0, key: null, value: null },
    ]);
    const magic1 = Buffer.from(bytes);
    magic1[16] = 1;
    expect(() => readBatchHeader(magic1, 0)).toThrow(
      'batch at byte 0 has magic 1; only RecordBatch v2 (magic 2) is read',
    );
    const short = Buffer.from(bytes);
    short.writeInt32BE(10, 8);
    expect(() => readBatchHeader(short, 0)).toThrow('batch at byte 0 declares 10 bytes, fewer than a header');
  });
});

/** Kafka's zigzag varlong of an int64, exactly. */
function varlong(value: bigint): number[] {
  let rest = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
  const out: number[] = [];
  while (rest >= 0x80n) {
    out.push(Number(rest & 0x7fn) | 0x80);
    rest >>= 7n;
  }
  out.push(Number(rest));
  return out;
}

/** A batch of one record (offset delta 0, null key and value) whose timestamp delta is `delta`. */
function timedBatch(baseTimestamp: bigint, delta: bigint): Uint8Array {
  const body = [0, ...varlong(delta), 0, 1, 1, 0];
  const record = [body.length * 2, ...body];
  const bytes = new Uint8Array(61 + record.length);
  const view = new DataView(bytes.buffer);
  view.setInt32(8, bytes.length - 12);
  view.setInt8(16, 2);
  view.setBigInt64(27, baseTimestamp);
  view.setBigInt64(35, baseTimestamp);
  view.setInt32(57, 1);
  bytes.set(record, 61);
  return bytes;
}

describe('record timestamps far apart in one batch', () => {
  function timestampOf(bytes: Uint8Array): number {
    const header = readBatchHeader(bytes, 0);
    if (header === 'partial') throw new Error('a whole batch');
    let timestamp = 0;
    readRecords(bytes, 61, bytes.length, header, (record) => {
      timestamp = record.timestamp;
    });
    return timestamp;
  }

  it('adds base and delta in int64 where numbers would round (a batch holding -1e18 and now)', () => {
    const now = 1_796_596_260_001n;
    // 1e18 + now has 60 bits: as a double it rounds to a multiple of 128.
    expect(timestampOf(timedBatch(-(10n ** 18n), now + 10n ** 18n))).toBe(Number(now));
    expect(timestampOf(timedBatch(0n, now))).toBe(Number(now));
  });

  it('gives NaN (a decode error where it is read) for a sum beyond ±2^53', () => {
    expect(timestampOf(timedBatch(-(10n ** 18n), 1n))).toBeNaN();
    expect(timestampOf(timedBatch(2n ** 53n, 1n))).toBeNaN();
  });
});
