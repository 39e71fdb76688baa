// The slot's reader of raw record sets, from batches the Kafka Java client wrote (test/fixtures/record-batches).
import { readFileSync } from 'node:fs';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { compressXerial, selectCodecs } from '../../src/codecs/index.ts';
import { toOffset } from '../../src/core/index.ts';
import { crc32c } from '../../src/task/record-batch/crc32c.ts';
import { MAX_PROBLEM_ENTRIES, RecordSetView } from '../../src/task/record-batch/record-set.ts';

const FIXTURES = new URL('../fixtures/record-batches/', import.meta.url);
const fixture = (name: string): Buffer => readFileSync(new URL(name, FIXTURES));

const T = 1_700_000_000_000;
const MAX = 1 << 20;

/** WriteBatches.java's big(): 40,000 bytes of text, more than one 32 KiB snappy chunk. */
const BIG = (() => {
  let text = '';
  for (let i = 0; text.length < 40_000; i++) text += `sluice reads what kafka writes, line ${i}\n`;
  return text.slice(0, 40_000);
})();

type Entry = {
  offset: bigint;
  timestamp?: number;
  key: string | null;
  value: string | null;
  problem?: string;
};

/** The batches back to back in a SharedArrayBuffer, 5 bytes into it (as a slice of a pooled buffer). */
function setOf(
  batches: readonly Uint8Array[],
  from: number | bigint,
  until: number | bigint,
  maxBytes = MAX,
) {
  const length = batches.reduce((sum, batch) => sum + batch.byteLength, 0);
  const buffer = new SharedArrayBuffer(length + 8);
  const bytes = new Uint8Array(buffer);
  let at = 5;
  for (const batch of batches) {
    bytes.set(batch, at);
    at += batch.byteLength;
  }
  return new RecordSetView(
    {
      topic: 'events',
      partition: 3,
      buffer,
      byteOffset: 5,
      byteLength: length,
      fromOffset: toOffset(BigInt(from)),
      untilOffset: toOffset(BigInt(until)),
    },
    maxBytes,
  );
}

const text = (bytes: Uint8Array | null): string | null =>
  bytes === null ? null : Buffer.from(bytes).toString();

function entries(set: RecordSetView): Entry[] {
  const out: Entry[] = [];
  for (let i = 0; i < set.count; i++) {
    const problem = set.problem(i);
    out.push({
      offset: set.offset(i),
      ...(problem === undefined ? { timestamp: set.timestamp(i) } : { problem }),
      key: text(set.key(i)),
      value: text(set.value(i)),
    });
  }
  return out;
}

function codecRecords(codec: string): Entry[] {
  return [
    { offset: 100n, timestamp: T, key: 'k0', value: `{"n":0,"codec":"${codec}"}` },
    { offset: 101n, timestamp: T + 1, key: null, value: 'v1' },
    { offset: 102n, timestamp: T + 2, key: 'k2', value: null },
    { offset: 103n, timestamp: T - 5, key: 'ключ', value: 'значение ✓ 🚀' },
    { offset: 104n, timestamp: T + 1000, key: '', value: '' },
    { offset: 105n, timestamp: T + 1001, key: 'big', value: BIG },
  ];
}

/** A copy of `batch` with its byte `at` flipped. */
function flipped(batch: Uint8Array, at: number): Buffer {
  const copy = Buffer.from(batch);
  copy[at] = (copy[at] as number) ^ 0xff;
  return copy;
}

describe('RecordSetView over batches the Java client wrote', () => {
  it.each(['none', 'gzip', 'snappy', 'lz4', 'zstd'])('reads a %s batch exactly', (codec) => {
    expect(entries(setOf([fixture(`codec-${codec}.bin`)], 0, 1000))).toEqual(codecRecords(codec));
  });
});

/** `batch` with its CRC-32C recomputed, so a change to it is a lie the CRC does not catch. */
function recrc(batch: Buffer): Buffer {
  batch.writeUInt32BE(crc32c(batch, 21), 17);
  return batch;
}

/** `batch`'s records section replaced by `records` compressed with `codec`, its length and CRC rewritten. */
function withRecords(batch: Buffer, codec: number, records: Uint8Array): Buffer {
  const out = Buffer.concat([batch.subarray(0, 61), records]);
  out.writeInt32BE(out.length - 12, 8);
  out.writeInt16BE((out.readInt16BE(21) & ~0x07) | codec, 21);
  return recrc(out);
}

describe('RecordSetView: transactions, compaction, timestamps', () => {
  it('skips the COMMIT and ABORT control batches and reads the transaction', () => {
    const set = setOf(
      [fixture('txn-data.bin'), fixture('txn-commit.bin'), fixture('txn-abort.bin')],
      0,
      1000,
    );
    expect(entries(set)).toEqual([
      { offset: 200n, timestamp: T + 200, key: 't0', value: 'committed 0' },
      { offset: 201n, timestamp: T + 201, key: 't1', value: 'committed 1' },
      { offset: 202n, timestamp: T + 202, key: 't2', value: 'committed 2' },
    ]);
  });

  it('reads a compacted batch with offset gaps at its real offsets', () => {
    expect(entries(setOf([fixture('compacted.bin')], 0, 1000))).toEqual(
      [300n, 303n, 304n, 309n].map((offset) => ({
        offset,
        timestamp: T + Number(offset),
        key: `c${offset}`,
        value: `v${offset}`,
      })),
    );
  });

  it("gives every record of a LogAppendTime batch the broker's append time", () => {
    expect(entries(setOf([fixture('log-append-time.bin')], 0, 1000))).toEqual([
      { offset: 400n, timestamp: T + 123_456, key: 'a0', value: 'first' },
      { offset: 401n, timestamp: T + 123_456, key: 'a1', value: 'second' },
    ]);
  });

  it('keeps offsets past 2^53 exact', () => {
    const batch = Buffer.from(fixture('codec-none.bin'));
    batch.writeBigInt64BE(2n ** 53n + 1n, 0); // the CRC does not cover the base offset
    const set = setOf([batch], 2n ** 53n + 2n, 2n ** 53n + 4n);
    expect([set.offset(0), set.offset(1)]).toEqual([2n ** 53n + 2n, 2n ** 53n + 3n]);
    expect(set.count).toBe(2);
    batch.writeBigInt64BE(2n ** 40n, 0);
    const wide = setOf([batch], 0, 2n ** 40n + 2n); // a span past int32 deltas: int64 offsets
    expect([wide.count, wide.offset(0), wide.offset(1)]).toEqual([2, 2n ** 40n, 2n ** 40n + 1n]);
    expect(() => setOf([batch], 0, 2n ** 60n)).toThrow(/spans more than 2\^53 offsets/);
  });

  it('fails a timestamp a number cannot hold, as BatchView does', () => {
    const batch = Buffer.from(fixture('log-append-time.bin'));
    batch.writeBigInt64BE(2n ** 60n, 35); // maxTimestamp: every record's time under LogAppendTime
    const set = setOf([recrc(batch)], 0, 1000);
    expect(set.count).toBe(2);
    expect(() => set.timestamp(0)).toThrow(
      expect.objectContaining({
        code: 'SLUICE_DECODE',
        message: `the Kafka timestamp lies beyond ±${Number.MAX_SAFE_INTEGER} ms, where a number cannot hold it exactly`,
      }),
    );
  });

  it('reads an empty record set as no records', () => {
    expect(setOf([], 0, 1000).count).toBe(0);
    expect(() => setOf([], 0, 1000).offset(0)).toThrow(RangeError);
  });
});

describe('RecordSetView: the offset range', () => {
  const all = [
    fixture('codec-gzip.bin'),
    fixture('txn-data.bin'),
    fixture('txn-commit.bin'),
    fixture('compacted.bin'),
    fixture('log-append-time.bin'),
  ];

  it('takes a first batch that starts before fromOffset from fromOffset, and cuts the last at untilOffset', () => {
    expect(entries(setOf(all, 102, 304)).map((entry) => entry.offset)).toEqual([
      102n,
      103n,
      104n,
      105n,
      200n,
      201n,
      202n,
      300n,
      303n,
    ]);
  });

  it('takes one record from the middle of a batch', () => {
    expect(entries(setOf(all, 103, 104))).toEqual([codecRecords('gzip')[3]]);
  });

  it('takes nothing from an empty range or one between batches', () => {
    expect(setOf(all, 210, 300).count).toBe(0);
    expect(setOf(all, 500, 500).count).toBe(0);
  });

  it('does not look inside batches out of range (a corrupt one there costs nothing)', () => {
    const set = setOf([flipped(fixture('codec-none.bin'), 90), fixture('log-append-time.bin')], 400, 402);
    expect(entries(set).map((entry) => [entry.offset, entry.problem])).toEqual([
      [400n, undefined],
      [401n, undefined],
    ]);
  });

  it('reads many records across batches (columns grow) from kafkajs-built batches too', async () => {
    const { default: encodeRecord } = await import('kafkajs/src/protocol/recordBatch/record/v0/index.js');
    const { RecordBatch } = (await import('kafkajs/src/protocol/recordBatch/v0/index.js')).default;
    const { default: Long } = await import('kafkajs/src/utils/long.js');
    const batches: Buffer[] = [];
    for (let b = 0; b < 3; b++) {
      const values = Array.from({ length: 700 }, (_, i) => `{"n":${b * 700 + i}}`);
      const encoded = await RecordBatch({
        firstOffset: Long.fromString(String(b * 700)),
        firstTimestamp: T,
        maxTimestamp: T + 699,
        lastOffsetDelta: 699,
        records: values.map((value, i) =>
          encodeRecord({
            offsetDelta: i,
            timestampDelta: i,
            key: Buffer.from(`k${i}`),
            value: Buffer.from(value),
            headers: { h: 'x' },
          }),
        ),
      });
      batches.push(encoded.buffer);
    }
    const set = setOf(batches, 10, 2090);
    expect(set.count).toBe(2080);
    expect(entries(set)[1500]).toEqual({
      offset: 1510n,
      timestamp: T + 110,
      key: 'k110',
      value: '{"n":1510}',
    });
  });
});

describe('RecordSetView: corrupt batches become problem entries', () => {
  const next = fixture('log-append-time.bin');

  it('names a CRC mismatch for each offset in range, and reads the next batch', () => {
    const set = setOf([flipped(fixture('codec-none.bin'), 100), next], 102, 1000);
    const problem = 'corrupt record batch events-3 at offsets 100-105 (none): CRC-32C mismatch';
    expect(entries(set)).toEqual([
      { offset: 102n, key: null, value: null, problem },
      { offset: 103n, key: null, value: null, problem },
      { offset: 104n, key: null, value: null, problem },
      { offset: 105n, key: null, value: null, problem },
      { offset: 400n, timestamp: T + 123_456, key: 'a0', value: 'first' },
      { offset: 401n, timestamp: T + 123_456, key: 'a1', value: 'second' },
    ]);
  });

  it('names a compressed batch that does not decompress, its CRC intact', () => {
    const batch = Buffer.from(fixture('codec-gzip.bin'));
    batch[80] = (batch[80] as number) ^ 0xff;
    const set = setOf([recrc(batch), next], 0, 1000);
    expect(set.count).toBe(8);
    expect(set.problem(0)).toMatch(
      /^corrupt record batch events-3 at offsets 100-105 \(gzip\): batch at offset 100 does not decompress \(gzip\): /,
    );
    expect([set.key(5), set.value(5), set.problem(6), set.offset(6)]).toEqual([null, null, undefined, 400n]);
  });

  it('names a batch that counts more records than it holds, or holds more bytes than its records', () => {
    const more = Buffer.from(fixture('codec-none.bin'));
    more.writeInt32BE(7, 57);
    const fewer = Buffer.from(fixture('codec-none.bin'));
    fewer.writeInt32BE(5, 57);
    expect(setOf([recrc(more)], 0, 1000).problem(0)).toBe(
      'corrupt record batch events-3 at offsets 100-105 (none): counts 7 records for 6 offsets',
    );
    expect(setOf([recrc(fewer), next], 0, 1000).problem(5)).toMatch(
      /^corrupt record batch events-3 at offsets 100-105 \(none\): batch has \d+ bytes after its 5 records$/,
    );
  });

  it('names a record whose length lies, and keeps none of its batch', () => {
    const batch = Buffer.from(fixture('log-append-time.bin'));
    const second = 62 + ((batch[61] as number) >> 1); // after the first record (a 1-byte length varint)
    batch[second] = 0x7e; // the second record's length: 63, more than the batch holds
    const set = setOf([recrc(batch)], 0, 1000);
    expect(entries(set).map((entry) => [entry.offset, entry.key, entry.problem])).toEqual([
      [
        400n,
        null,
        'corrupt record batch events-3 at offsets 400-401 (none): record 1 runs past the end of its batch',
      ],
      [
        401n,
        null,
        'corrupt record batch events-3 at offsets 400-401 (none): record 1 runs past the end of its batch',
      ],
    ]);
  });

  it('names a batch cut short at the end of the record set', () => {
    const set = setOf([fixture('compacted.bin'), next.subarray(0, 70)], 0, 1000);
    expect(entries(set).slice(3)).toEqual([
      { offset: 309n, timestamp: T + 309, key: 'c309', value: 'v309' },
      {
        offset: 400n,
        key: null,
        value: null,
        problem: `corrupt record batch events-3 at offsets 400-401 (none): a batch of ${next.length} bytes, but the record set ends 70 bytes into it`,
      },
      {
        offset: 401n,
        key: null,
        value: null,
        problem: `corrupt record batch events-3 at offsets 400-401 (none): a batch of ${next.length} bytes, but the record set ends 70 bytes into it`,
      },
    ]);
  });

  it('takes nothing from a batch cut at the end of the set when the range stops before it', () => {
    const set = setOf([fixture('compacted.bin'), next.subarray(0, 70)], 0, 400);
    expect(entries(set).map((entry) => [entry.offset, entry.problem])).toEqual([
      [300n, undefined],
      [303n, undefined],
      [304n, undefined],
      [309n, undefined],
    ]);
  });

  it('names a batch whose length is shorter than a header, and stops there', () => {
    const batch = Buffer.from(next);
    batch.writeInt32BE(10, 8);
    const set = setOf([batch, fixture('compacted.bin')], 0, 1000);
    expect(set.count).toBe(2);
    expect(set.problem(1)).toBe(
      'corrupt record batch events-3 at offsets 400-401 (none): batch at byte 5 declares 10 bytes, fewer than a header',
    );
  });

  it.each([
    ['gzip', 1, (bytes: Uint8Array) => gzipSync(bytes)],
    ['snappy', 2, (bytes: Uint8Array) => compressXerial(bytes, selectCodecs('off').snappy)],
    ['zstd', 4, (bytes: Uint8Array) => zstdCompressSync(bytes)],
  ] as const)('bounds a %s zip bomb by maxDecompressedBytes', (name, codec, compress) => {
    const bomb = compress(new Uint8Array(8 << 20));
    const set = setOf(
      [withRecords(Buffer.from(next), codec, bomb), fixture('compacted.bin')],
      0,
      1000,
      1 << 20,
    );
    expect(set.count).toBe(6);
    expect(set.problem(0)).toMatch(
      new RegExp(
        `^corrupt record batch events-3 at offsets 400-401 \\(${name}\\): batch at offset 400 does not decompress`,
      ),
    );
    expect(set.offset(2)).toBe(300n);
  });

  it(`stops at ${MAX_PROBLEM_ENTRIES} entries per corrupt batch and says so in the last`, () => {
    const batch = Buffer.from(next);
    batch.writeInt32BE(300_000, 23); // lastOffsetDelta, outside what a bad CRC lets us trust anyway
    const set = setOf([batch], 0, 10_000_000);
    expect(set.count).toBe(MAX_PROBLEM_ENTRIES);
    expect(set.offset(MAX_PROBLEM_ENTRIES - 1)).toBe(BigInt(400 + MAX_PROBLEM_ENTRIES - 1));
    expect(set.problem(0)).toBe(
      'corrupt record batch events-3 at offsets 400-300400 (none): CRC-32C mismatch',
    );
    expect(set.problem(MAX_PROBLEM_ENTRIES - 1)).toBe(
      `corrupt record batch events-3 at offsets 400-300400 (none): CRC-32C mismatch; 100001 more offsets of this batch up to 300400 have no entry (at most ${MAX_PROBLEM_ENTRIES} per batch)`,
    );
  });
});
