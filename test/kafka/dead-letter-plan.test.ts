// Dead letters sized to the topic's max.message.bytes: every planned group, encoded by kafkajs's
// own record-batch encoder (what the broker holds to the limit), fits; a letter too large alone is
// cut to exactly the longest that fits, with headers saying so.

import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { toOffset } from '../../src/core/index.ts';
import { isSluiceError } from '../../src/errors/index.ts';
import {
  boundedText,
  DEFAULT_MAX_MESSAGE_BYTES,
  type DeadLetter,
  DLQ_HEADERS,
  ERROR_HEADER_BYTES,
  planDeadLetters,
  RECORD_BATCH_OVERHEAD,
  recordSize,
} from '../../src/kafka/dead-letter-plan.ts';
import type { DecodeFailure } from '../../src/task/index.ts';

type Encoded = { buffer: Buffer };
const require = createRequire(import.meta.url);
const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (record: object) => Encoded;
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as {
  RecordBatch: (batch: object) => Promise<Encoded>;
};

/** The bytes of `letters` as one uncompressed batch, as kafkajs's producer encodes it. */
async function batchBytes(letters: readonly DeadLetter[]): Promise<number> {
  const records = letters.map((letter, offsetDelta) => Record({ ...letter, offsetDelta, timestampDelta: 0 }));
  const batch = await RecordBatch({ records, lastOffsetDelta: letters.length - 1 });
  return batch.buffer.length;
}

const TOPIC = 'clicks.dlq';

function failure(
  offset: number,
  value: Uint8Array | null,
  error = 'not JSON',
  key: Uint8Array | null = null,
) {
  return {
    topic: 'clicks',
    partition: 3,
    offset: toOffset(BigInt(offset)),
    error,
    key,
    value,
  } satisfies DecodeFailure;
}

function origin(offset: number, error = 'not JSON') {
  return {
    [DLQ_HEADERS.topic]: 'clicks',
    [DLQ_HEADERS.partition]: '3',
    [DLQ_HEADERS.offset]: String(offset),
    [DLQ_HEADERS.error]: error,
  };
}

const bytes = (length: number, fill = 0x61): Buffer => Buffer.alloc(length, fill);

describe('recordSize', () => {
  it('equals the bytes kafkajs writes for a record, across varint boundaries', () => {
    for (const length of [0, 1, 63, 64, 8191, 8192, 1_048_575, 1_048_576]) {
      for (const offsetDelta of [0, 63, 64]) {
        const letter = { key: length % 2 ? bytes(5) : null, value: bytes(length), headers: origin(7) };
        expect(recordSize(letter, offsetDelta)).toBe(Record({ ...letter, offsetDelta }).buffer.length);
      }
    }
    const multibyte = { key: null, value: null, headers: origin(1, 'grüße 🙂') };
    expect(recordSize(multibyte, 0)).toBe(Record(multibyte).buffer.length);
  });
});

describe('planDeadLetters', () => {
  it('sends two 900 KB values in two produce requests under the default limit, whole', async () => {
    const groups = planDeadLetters(
      TOPIC,
      [failure(0, bytes(921_600, 0x31)), failure(1, bytes(921_600, 0x32))],
      DEFAULT_MAX_MESSAGE_BYTES,
    );
    expect(groups.map((group) => group.map((letter) => letter.value?.length))).toEqual([
      [921_600],
      [921_600],
    ]);
    expect(groups.map((group) => group.map((letter) => letter.headers))).toEqual([[origin(0)], [origin(1)]]);
    // One request holding both would have been refused (MESSAGE_TOO_LARGE).
    expect(await batchBytes(groups.flat())).toBeGreaterThan(DEFAULT_MAX_MESSAGE_BYTES);
    for (const group of groups) expect(await batchBytes(group)).toBe(921_600 + 170);
  });

  it('fills each group up to the limit, in order, and never past it', async () => {
    const failures = Array.from({ length: 40 }, (_, i) => failure(i, bytes(100 + i * 10)));
    const limit = 2_000;
    const groups = planDeadLetters(TOPIC, failures, limit);
    expect(groups.flat().map((letter) => letter.headers[DLQ_HEADERS.offset])).toEqual(
      failures.map((f) => String(f.offset)),
    );
    for (const [index, group] of groups.entries()) {
      expect(await batchBytes(group)).toBeLessThanOrEqual(limit);
      // Greedy: the next group's first letter would not have fitted.
      const next = groups[index + 1]?.[0];
      if (next) expect(await batchBytes([...group, next])).toBeGreaterThan(limit);
    }
    expect(groups.map((group) => group.length)).toEqual([8, 6, 5, 4, 4, 3, 3, 3, 3, 1]);
  });

  it('cuts a value too large alone to exactly the longest that fits, saying so in headers', async () => {
    for (const limit of [1_000, 16_384 + RECORD_BATCH_OVERHEAD, 100_000, DEFAULT_MAX_MESSAGE_BYTES]) {
      const [group, ...others] = planDeadLetters(TOPIC, [failure(9, bytes(1_300_000, 0x7a))], limit);
      expect(others).toEqual([]);
      const letter = group?.[0] as DeadLetter;
      expect(letter.headers).toEqual({
        ...origin(9),
        [DLQ_HEADERS.valueOriginalLength]: '1300000',
        [DLQ_HEADERS.valueTruncated]: 'true',
      });
      expect(letter.value?.equals(bytes(letter.value.length, 0x7a))).toBe(true);
      expect(await batchBytes([letter])).toBeLessThanOrEqual(limit);
      const longer = { ...letter, value: bytes((letter.value?.length ?? 0) + 1) };
      expect(await batchBytes([longer])).toBeGreaterThan(limit);
    }
    const [[cut]] = planDeadLetters(TOPIC, [failure(9, bytes(1_300_000))], DEFAULT_MAX_MESSAGE_BYTES) as [
      [DeadLetter],
    ];
    expect(cut.value?.length).toBe(DEFAULT_MAX_MESSAGE_BYTES - RECORD_BATCH_OVERHEAD - 174);
  });

  it('cuts the key too when the key alone does not fit', async () => {
    const key = bytes(50_000, 0x6b);
    const [[letter]] = planDeadLetters(TOPIC, [failure(4, bytes(30_000), 'bad', key)], 10_000) as [
      [DeadLetter],
    ];
    expect(letter.headers).toEqual({
      ...origin(4, 'bad'),
      [DLQ_HEADERS.valueOriginalLength]: '30000',
      [DLQ_HEADERS.valueTruncated]: 'true',
      [DLQ_HEADERS.keyOriginalLength]: '50000',
      [DLQ_HEADERS.keyTruncated]: 'true',
    });
    expect(letter.value?.length).toBe(0);
    expect(await batchBytes([letter])).toBe(10_000);
    expect(letter.key?.equals(bytes(letter.key.length, 0x6b))).toBe(true);
  });

  it('keeps a tombstone a tombstone and a null key null', () => {
    const [[letter]] = planDeadLetters(TOPIC, [failure(2, null, 'tombstone')], 1_000) as [[DeadLetter]];
    expect(letter).toEqual({ key: null, value: null, headers: origin(2, 'tombstone') });
  });

  it('bounds the error header however long the error is', () => {
    const error = `field url must be a string, number or boolean; got {"x":"${'y'.repeat(1_200_000)}"}`;
    const [[letter]] = planDeadLetters(TOPIC, [failure(5, bytes(10), error)], DEFAULT_MAX_MESSAGE_BYTES) as [
      [DeadLetter],
    ];
    const header = letter.headers[DLQ_HEADERS.error] ?? '';
    expect(Buffer.byteLength(header)).toBeLessThanOrEqual(ERROR_HEADER_BYTES);
    expect(header).toBe(`${error.slice(0, 381)}… (1200059 bytes)`);
  });

  it('is SLUICE_DLQ naming the topic when not even the headers fit', () => {
    let thrown: unknown;
    try {
      planDeadLetters(TOPIC, [failure(5, bytes(10))], 150);
    } catch (error) {
      thrown = error;
    }
    expect(isSluiceError(thrown, 'SLUICE_DLQ')).toBe(true);
    expect((thrown as Error).message).toBe(
      "cannot write dead letters to topic clicks.dlq (SLUICE_DLQ_TOPIC): it takes at most 150 bytes per batch (max.message.bytes), fewer than a dead letter's headers need (227); nothing of the batch was committed",
    );
  });
});

describe('boundedText', () => {
  it('returns short text as it is', () => {
    expect(boundedText('field url is missing', 400)).toBe('field url is missing');
  });

  it('cuts between characters, never inside one, and stays within the bound', () => {
    const text = '€'.repeat(1_000);
    const cut = boundedText(text, 100);
    expect(cut).toBe(`${'€'.repeat(28)}… (3000 bytes)`);
    expect(Buffer.byteLength(cut)).toBe(100);
    const emoji = boundedText('🙂'.repeat(100), 40);
    expect(emoji).toBe(`${'🙂'.repeat(6)}… (400 bytes)`);
    expect(boundedText('🙂'.repeat(100), 39)).toBe(`${'🙂'.repeat(6)}… (400 bytes)`);
    expect(boundedText('🙂'.repeat(100), 38)).toBe(`${'🙂'.repeat(5)}… (400 bytes)`);
  });
});
