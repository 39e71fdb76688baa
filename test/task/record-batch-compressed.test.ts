import { gzipSync, zstdCompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { compressFrame } from '../../native-free/lz4/index.ts';
import { compressXerial, selectCodecs } from '../../src/codecs/index.ts';
import { crc32c } from '../../src/task/record-batch/crc32c.ts';
import { recordsSection } from '../../src/task/record-batch/decompress.ts';
import {
  BATCH_HEADER_BYTES,
  readBatchHeader,
  readRecords,
} from '../../src/task/record-batch/record-batch.ts';

const { default: encodeRecord } = await import('kafkajs/src/protocol/recordBatch/record/v0/index.js');
const { RecordBatch } = (await import('kafkajs/src/protocol/recordBatch/v0/index.js')).default;
const { default: Long } = await import('kafkajs/src/utils/long.js');

const VALUES = Array.from({ length: 50 }, (_, i) => `{"url":"/page/${i % 7}","n":${i}}`);

/** An uncompressed batch of VALUES from kafkajs, then its records section compressed and the header (length, attributes, CRC) rewritten, as a producer with that codec writes it. */
async function compressedBatch(codec: number, compress: (bytes: Uint8Array) => Uint8Array): Promise<Buffer> {
  const plain = (
    await RecordBatch({
      firstOffset: Long.fromString('100'),
      firstTimestamp: 1_000,
      maxTimestamp: 1_049,
      lastOffsetDelta: VALUES.length - 1,
      records: VALUES.map((value, i) =>
        encodeRecord({ offsetDelta: i, timestampDelta: i, key: null, value: Buffer.from(value) }),
      ),
    })
  ).buffer;
  const records = compress(plain.subarray(BATCH_HEADER_BYTES));
  const batch = Buffer.concat([plain.subarray(0, BATCH_HEADER_BYTES), records]);
  batch.writeInt32BE(batch.length - 12, 8);
  batch.writeInt16BE(codec, 21);
  batch.writeUInt32BE(crc32c(batch, 21), 17);
  return batch;
}

function values(batch: Buffer, maxBytes = 1 << 20): string[] {
  const header = readBatchHeader(batch, 0);
  if (header === 'partial') throw new Error('partial');
  const section = recordsSection(batch, 0, header, maxBytes);
  const out: string[] = [];
  readRecords(section.bytes, section.start, section.end, header, (record) => {
    out.push(
      `${header.baseOffset + BigInt(record.offsetDelta)}:${Buffer.from(section.bytes.subarray(record.valueStart, record.valueStart + record.valueLength))}`,
    );
  });
  return out;
}

const EXPECTED = VALUES.map((value, i) => `${100 + i}:${value}`);

describe('compressed record batches in a slot', () => {
  it.each([
    ['gzip', 1, (bytes: Uint8Array) => gzipSync(bytes)],
    ['lz4 (frame)', 3, (bytes: Uint8Array) => compressFrame(bytes)],
    ['zstd', 4, (bytes: Uint8Array) => zstdCompressSync(bytes)],
  ] as const)('reads %s', async (_name, codec, compress) => {
    expect(values(await compressedBatch(codec, compress))).toEqual(EXPECTED);
  });

  it('bounds what a decompression may produce, naming the batch', async () => {
    const batch = await compressedBatch(1, (bytes) => gzipSync(bytes));
    expect(() => values(batch, 100)).toThrow(
      /^corrupt record batch: batch at offset 100 does not decompress \(gzip\): /,
    );
  });

  it('reads snappy in the xerial framing (as Java writes it) and as a plain block, with snappyjs', async () => {
    const block = selectCodecs('off').snappy;
    expect(values(await compressedBatch(2, (bytes) => compressXerial(bytes, block)))).toEqual(EXPECTED);
    expect(values(await compressedBatch(2, (bytes) => block.compress(bytes)))).toEqual(EXPECTED);
  });

  it('bounds what snappy may produce, naming the batch', async () => {
    const batch = await compressedBatch(2, (bytes) => compressXerial(bytes, selectCodecs('off').snappy));
    expect(() => values(batch, 100)).toThrow(
      /^corrupt record batch: batch at offset 100 does not decompress \(snappy\): /,
    );
  });

  it('names snappy that does not decompress instead of returning garbage', async () => {
    const batch = await compressedBatch(2, (bytes) => bytes);
    expect(() => values(batch)).toThrow(
      /^corrupt record batch: batch at offset 100 does not decompress \(snappy\): /,
    );
  });
});
