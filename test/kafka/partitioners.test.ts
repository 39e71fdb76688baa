// Exact partitions for each strategy. Hash expectations are the Java client's answers, copied from
// test/fixtures/murmur2-java-vectors.json (Utils.toPositive(Utils.murmur2(utf8(key))) % n).
import type { PartitionMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { isSluiceError } from '../../src/errors/index.ts';
import {
  createPartitioner,
  PARTITIONER_NAMES,
  type PartitionerMessage,
  type PartitionerName,
  toKafkajsPartitioner,
} from '../../src/kafka/partitioners.ts';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const keyed = (key: string | null, value: string | null = 'v'): PartitionerMessage => ({
  key: key === null ? null : utf8(key),
  value: value === null ? null : utf8(value),
});

// From the Java fixture: partitions for 8 and 100 partitions.
const JAVA_PARTITIONS = [
  { text: 'foobar', p8: 6, p100: 66 },
  { text: 'user-1', p8: 4, p100: 28 },
  { text: 'user-2', p8: 0, p100: 56 },
  { text: 'order-42', p8: 0, p100: 24 },
  { text: 'key', p8: 1, p100: 81 },
  { text: '21', p8: 4, p100: 40 },
  { text: 'abc', p8: 3, p100: 7 },
  { text: 'grüße', p8: 4, p100: 48 },
] as const;

function partitions(name: PartitionerName, messages: readonly PartitionerMessage[], count: number): number[] {
  const partition = createPartitioner(name);
  return messages.map((message) => partition(message, count));
}

describe('murmur2 partitioner', () => {
  it.each(JAVA_PARTITIONS)('puts key $text where the Java producer does', ({ text, p8, p100 }) => {
    const partition = createPartitioner('murmur2');
    expect(partition(keyed(text), 8)).toBe(p8);
    expect(partition(keyed(text), 100)).toBe(p100);
  });

  it('depends on the key only: the same key with other values stays on its partition', () => {
    expect(
      partitions('murmur2', [keyed('foobar', 'a'), keyed('foobar', 'b'), keyed('foobar', null)], 8),
    ).toEqual([6, 6, 6]);
  });

  it('hashes an empty (non-null) key like Java does, instead of falling back', () => {
    expect(partitions('murmur2', [keyed(''), keyed(''), keyed('')], 12)).toEqual([9, 9, 9]);
  });

  it('sends null keys round-robin; keyed records do not advance the counter', () => {
    expect(partitions('murmur2', [keyed(null), keyed(null), keyed(null), keyed(null)], 3)).toEqual([
      0, 1, 2, 0,
    ]);
    expect(
      partitions('murmur2', [keyed(null), keyed('foobar'), keyed(null), keyed('user-2'), keyed(null)], 8),
    ).toEqual([0, 6, 1, 0, 2]);
  });

  it('always answers 0 for a single partition', () => {
    expect(partitions('murmur2', [keyed('foobar'), keyed(null), keyed('abc'), keyed(null)], 1)).toEqual([
      0, 0, 0, 0,
    ]);
  });
});

describe('hash-value partitioner', () => {
  it.each(JAVA_PARTITIONS)('puts value $text where murmur2 of those bytes says', ({ text, p8, p100 }) => {
    const partition = createPartitioner('hash-value');
    expect(partition(keyed('some-key', text), 8)).toBe(p8);
    expect(partition(keyed(null, text), 100)).toBe(p100);
  });

  it('ignores the key', () => {
    expect(
      partitions('hash-value', [keyed('user-1', 'abc'), keyed('user-2', 'abc'), keyed(null, 'abc')], 8),
    ).toEqual([3, 3, 3]);
  });

  it('sends null values (tombstones) round-robin', () => {
    expect(
      partitions('hash-value', [keyed('k', null), keyed('k', null), keyed('k', 'abc'), keyed('k', null)], 3),
    ).toEqual([0, 1, 0, 2]);
  });
});

describe('round-robin partitioner', () => {
  it('walks 0, 1, 2, 0, … whatever the key and value', () => {
    const messages = [
      keyed('foobar'),
      keyed('foobar'),
      keyed(null),
      keyed('abc', null),
      keyed(null, null),
      keyed('foobar'),
      keyed('foobar'),
    ];
    expect(partitions('round-robin', messages, 3)).toEqual([0, 1, 2, 0, 1, 2, 0]);
  });

  it('keeps one counter per partitioner instance', () => {
    const first = createPartitioner('round-robin');
    const second = createPartitioner('round-robin');
    expect([first(keyed('a'), 4), first(keyed('a'), 4), second(keyed('a'), 4), first(keyed('a'), 4)]).toEqual(
      [0, 1, 0, 2],
    );
  });

  it('continues its walk when the partition count grows or shrinks', () => {
    const partition = createPartitioner('round-robin');
    const walk = [3, 3, 3, 5, 5, 5, 2, 2].map((count) => partition(keyed(null), count));
    expect(walk).toEqual([0, 1, 2, 3, 4, 0, 1, 0]);
  });
});

function configError(action: () => unknown): { code: string; message: string } {
  try {
    action();
  } catch (error) {
    if (isSluiceError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a SluiceError; nothing was thrown');
}

describe('validation', () => {
  it('lists the partitioner names in one place', () => {
    expect(PARTITIONER_NAMES).toEqual(['murmur2', 'hash-value', 'round-robin']);
  });

  it('rejects an unknown partitioner name, listing the allowed ones', () => {
    expect(configError(() => createPartitioner('murmur3' as PartitionerName))).toEqual({
      code: 'SLUICE_CONFIG_INVALID',
      message: 'partitioner must be one of murmur2, hash-value, round-robin; got "murmur3"',
    });
  });

  it('rejects an unknown name for the kafkajs adapter before any producer exists', () => {
    expect(configError(() => toKafkajsPartitioner('' as PartitionerName))).toEqual({
      code: 'SLUICE_CONFIG_INVALID',
      message: 'partitioner must be one of murmur2, hash-value, round-robin; got ""',
    });
  });

  it('rejects a partition count of 0', () => {
    expect(configError(() => createPartitioner('murmur2')(keyed('foobar'), 0))).toEqual({
      code: 'SLUICE_CONFIG_INVALID',
      message: 'partition count for the murmur2 partitioner must be an integer >= 1; got 0',
    });
  });

  it('rejects a fractional partition count', () => {
    expect(configError(() => createPartitioner('hash-value')(keyed('k', 'abc'), 2.5))).toEqual({
      code: 'SLUICE_CONFIG_INVALID',
      message: 'partition count for the hash-value partitioner must be an integer >= 1; got 2.5',
    });
  });

  it('rejects a negative partition count', () => {
    expect(configError(() => createPartitioner('round-robin')(keyed(null), -3))).toEqual({
      code: 'SLUICE_CONFIG_INVALID',
      message: 'partition count for the round-robin partitioner must be an integer >= 1; got -3',
    });
  });

  it('rejects a partition count that is not a number at all', () => {
    expect(configError(() => createPartitioner('round-robin')(keyed(null), Number.NaN))).toEqual({
      code: 'SLUICE_CONFIG_INVALID',
      message: 'partition count for the round-robin partitioner must be an integer >= 1; got NaN',
    });
  });

  it('does not advance round-robin on a rejected call', () => {
    const partition = createPartitioner('round-robin');
    expect(partition(keyed(null), 3)).toBe(0);
    expect(() => partition(keyed(null), 0)).toThrow();
    expect(partition(keyed(null), 3)).toBe(1);
  });
});

function partitionMetadata(count: number): PartitionMetadata[] {
  return Array.from({ length: count }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: 1,
    replicas: [1],
    isr: [1],
  }));
}

describe('toKafkajsPartitioner', () => {
  it('hashes string keys as their UTF-8 bytes, the same as Buffer keys', () => {
    const partition = toKafkajsPartitioner('murmur2')();
    const send = (key: string | Buffer) =>
      partition({ topic: 't', partitionMetadata: partitionMetadata(8), message: { key, value: 'v' } });
    expect(JAVA_PARTITIONS.map(({ text }) => send(text))).toEqual(JAVA_PARTITIONS.map(({ p8 }) => p8));
    expect(JAVA_PARTITIONS.map(({ text }) => send(Buffer.from(text)))).toEqual(
      JAVA_PARTITIONS.map(({ p8 }) => p8),
    );
  });

  it('takes the partition count from the partition metadata', () => {
    const partition = toKafkajsPartitioner('murmur2')();
    const send = (count: number) =>
      partition({
        topic: 't',
        partitionMetadata: partitionMetadata(count),
        message: { key: 'foobar', value: null },
      });
    expect([send(8), send(100), send(1)]).toEqual([6, 66, 0]);
  });

  it('sends null and absent keys round-robin', () => {
    const partition = toKafkajsPartitioner('murmur2')();
    const metadata = partitionMetadata(3);
    const got = [null, undefined, null, 'foobar', undefined].map((key) =>
      partition({
        topic: 't',
        partitionMetadata: metadata,
        message: key === undefined ? { value: 'v' } : { key, value: 'v' },
      }),
    );
    expect(got).toEqual([0, 1, 2, 0, 0]);
  });

  it('hashes string and Buffer values for hash-value', () => {
    const partition = toKafkajsPartitioner('hash-value')();
    const send = (value: string | Buffer | null) =>
      partition({ topic: 't', partitionMetadata: partitionMetadata(8), message: { key: 'k', value } });
    expect([send('grüße'), send(Buffer.from('grüße')), send('abc'), send(null), send(null)]).toEqual([
      4, 4, 3, 0, 1,
    ]);
  });

  it('keeps a round-robin counter per topic, so alternating topics each still cycle', () => {
    const partition = toKafkajsPartitioner('round-robin')();
    const metadata = partitionMetadata(2);
    const got = ['a', 'b', 'a', 'b', 'a', 'b'].map((topic) =>
      partition({ topic, partitionMetadata: metadata, message: { key: 'k', value: 'v' } }),
    );
    expect(got).toEqual([0, 0, 1, 1, 0, 0]);
  });

  it('keeps a partition the record names, without advancing round-robin', () => {
    const partition = toKafkajsPartitioner('round-robin')();
    const metadata = partitionMetadata(3);
    const got = [undefined, 2, undefined, 0, undefined].map((p) =>
      partition({
        topic: 't',
        partitionMetadata: metadata,
        message:
          p === undefined ? { key: 'foobar', value: 'v' } : { key: 'foobar', value: 'v', partition: p },
      }),
    );
    expect(got).toEqual([0, 2, 1, 0, 2]);
  });

  it('gives each producer (each factory call) its own state', () => {
    const factory = toKafkajsPartitioner('round-robin');
    const first = factory();
    const second = factory();
    const args = { topic: 't', partitionMetadata: partitionMetadata(3), message: { value: 'v' } };
    expect([first(args), first(args), second(args), first(args)]).toEqual([0, 1, 0, 2]);
  });
});
