// A batch whose payload does not decompress, through kafkajs's own record batch encoder and decoder
// (the code its Fetch path runs): the guard turns it into placeholder records with the batch's
// offsets, and the value decoder turns each placeholder into a SLUICE_DECODE error.
import { createRequire } from 'node:module';
import { CompressionTypes } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { guarded, type KafkajsCodec, MAX_PLACEHOLDERS, registerCodecs } from '../../src/codecs/index.ts';
import { readMarker } from '../../src/core/index.ts';
import { isSluiceError } from '../../src/errors/index.ts';
import { decodeValue } from '../../src/task/decode.ts';

registerCodecs();
const require = createRequire(import.meta.url);

// kafkajs internals (2.2.4, untyped): the record batch v2 encoder and decoder, and its Long.
type Encoder = { readonly buffer: Buffer };
type DecodedRecord = { offset: string; key: Buffer | null; value: Buffer | null; timestamp: string };
const Long = require('kafkajs/src/utils/long') as { fromValue(value: number | string): unknown };
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as {
  RecordBatch(options: object): Promise<Encoder>;
};
const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (options: object) => Encoder;
const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => unknown;
const decodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (
  decoder: unknown,
) => Promise<{ records: DecodedRecord[]; firstOffset: string }>;

/** A record batch (v2) at `firstOffset` with the values, as a producer sends it and a broker stores it. */
async function batch(firstOffset: number, values: readonly string[], compression = CompressionTypes.LZ4) {
  const encoder = await RecordBatch({
    compression,
    firstOffset: Long.fromValue(firstOffset),
    firstTimestamp: 1_700_000_000_000,
    maxTimestamp: 1_700_000_000_000,
    lastOffsetDelta: values.length - 1,
    records: values.map((value, offsetDelta) =>
      Record({ offsetDelta, key: null, value: Buffer.from(value) }),
    ),
  });
  return Buffer.from(encoder.buffer);
}

const PAYLOAD_AT = 61;

function decodeError(value: Buffer | null): string {
  try {
    decodeValue(value, 'string');
  } catch (error) {
    if (isSluiceError(error, 'SLUICE_DECODE')) return error.message;
    throw error;
  }
  throw new Error('expected a SLUICE_DECODE error');
}

describe('a batch that does not decompress', () => {
  for (const [name, type] of [
    ['lz4', CompressionTypes.LZ4],
    ['snappy', CompressionTypes.Snappy],
    ['zstd', CompressionTypes.ZSTD],
    ['gzip', CompressionTypes.GZIP],
  ] as const) {
    it(`${name}: becomes one placeholder per record, with the batch's offsets and timestamp`, async () => {
      const good = await decodeBatch(new Decoder(await batch(100, ['a', 'b', 'c', 'd'], type)));
      expect(good.records.map((r) => [r.offset, String(r.value)])).toEqual([
        ['100', 'a'],
        ['101', 'b'],
        ['102', 'c'],
        ['103', 'd'],
      ]);

      const corrupt = await batch(100, ['a', 'b', 'c', 'd'], type);
      corrupt.fill(0xff, PAYLOAD_AT, PAYLOAD_AT + 8);
      const { records } = await decodeBatch(new Decoder(corrupt));
      expect(records.map((r) => [r.offset, r.key, r.timestamp])).toEqual([
        ['100', null, '1700000000000'],
        ['101', null, '1700000000000'],
        ['102', null, '1700000000000'],
        ['103', null, '1700000000000'],
      ]);
      for (const record of records) {
        expect(readMarker(record.value ?? Buffer.alloc(0))).toMatchObject({
          codec: name,
          firstOffset: '100',
          lastOffset: '103',
          records: 4,
        });
        expect(decodeError(record.value)).toMatch(
          new RegExp(`^${name} batch at offsets 100-103 \\(4 records\\) cannot be decompressed: .+`),
        );
      }
    });
  }

  it('after compaction (fewer records than offsets): placeholders span the batch, ending on its last offset', async () => {
    const corrupt = await batch(0, ['a', 'b', 'c']);
    corrupt.writeInt32BE(9, 23); // last offset delta 9: offsets 3–8 were compacted away
    corrupt.fill(0xff, PAYLOAD_AT, PAYLOAD_AT + 4);
    const { records } = await decodeBatch(new Decoder(corrupt));
    expect(records.map((r) => r.offset)).toEqual(['0', '1', '9']);
  });

  it('a payload outside a batch (no header to read) stops the consumer instead of restarting it', async () => {
    const lz4 = guarded('lz4', {
      compress: async () => Buffer.alloc(0),
      decompress: async () => {
        throw new Error('WrongMagicNumber');
      },
    } satisfies KafkajsCodec);
    const error = await lz4.decompress(Buffer.from('not a batch')).catch((e: unknown) => e);
    expect(isSluiceError(error, 'SLUICE_DECODE')).toBe(true);
    expect((error as Error).message).toBe(
      'a lz4 batch cannot be decompressed, nor its header read: WrongMagicNumber',
    );
    // kafkajs's retrier gives up at once on retriable === false, and the consumer does not restart.
    expect((error as { retriable?: boolean }).retriable).toBe(false);
  });

  it('a codec that cannot run here (retriable: false) is rethrown as it is, not taken for a bad batch', async () => {
    const unavailable = Object.assign(new Error('zstd needs Node >= 22.15'), { retriable: false });
    const zstd = guarded('zstd', {
      compress: async () => Buffer.alloc(0),
      decompress: async () => {
        throw unavailable;
      },
    } satisfies KafkajsCodec);
    const corrupt = await batch(0, ['a'], CompressionTypes.ZSTD);
    const payload = corrupt.subarray(PAYLOAD_AT);
    expect(await zstd.decompress(payload).catch((e: unknown) => e)).toBe(unavailable);
  });

  it(`a header counting more than ${MAX_PLACEHOLDERS} records stops the consumer too`, async () => {
    const corrupt = await batch(0, ['a']);
    corrupt.writeInt32BE(MAX_PLACEHOLDERS + 1, 57);
    corrupt.writeInt32BE(MAX_PLACEHOLDERS, 23);
    corrupt.fill(0xff, PAYLOAD_AT, PAYLOAD_AT + 4);
    const error = await decodeBatch(new Decoder(corrupt)).catch((e: unknown) => e);
    expect((error as { retriable?: boolean }).retriable).toBe(false);
    expect((error as Error).message).toMatch(
      /^the lz4 batch at offsets 0-200000 cannot be decompressed \(.+\) and counts 200001 records, more than the 200000 Sluice can stand in for$/,
    );
  });
});

describe('placeholder values', () => {
  it('ordinary values are not placeholders, and decode as before', () => {
    for (const text of ['', '{"a":1}', 'plain text', '\u0000binary']) {
      expect(readMarker(Buffer.from(text))).toBeUndefined();
    }
    expect(decodeValue(Buffer.from('{"a":1}'), 'json')).toEqual({ a: 1 });
    expect(decodeValue(Buffer.from('\u0000sluice'), 'bytes')).toEqual(Buffer.from('\u0000sluice'));
  });
});
