// The three ways the producer spreads records over partitions: by key (what the Java client does
// for keyed records), by value, and round-robin. Each is a plain function of the record bytes and
// the partition count, so tests assert exact partitions without a broker.

import type { ICustomPartitioner, Message } from 'kafkajs';
import { murmur2, toPositive } from '../core/index.ts';
import { ErrorCode, SluiceError } from '../errors/index.ts';

export const PARTITIONER_NAMES = ['murmur2', 'hash-value', 'round-robin'] as const;

/**
 * - `murmur2`: `toPositive(murmur2(key)) % n`, the Java producer's partition for a keyed record.
 * - `hash-value`: the same hash over the value bytes, for records whose content is their identity.
 * - `round-robin`: 0, 1, …, n-1, 0, … regardless of key and value.
 */
export type PartitionerName = (typeof PARTITIONER_NAMES)[number];

export type PartitionerMessage = {
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
};

/** Returns the partition, in [0, partitionCount), for one record. */
export type Partitioner = (message: PartitionerMessage, partitionCount: number) => number;

/**
 * A new partitioner of the named strategy. Round-robin state (also used by the hash strategies for
 * records with nothing to hash) belongs to the returned function, so two partitioners never share
 * a counter. Throws `SLUICE_CONFIG_INVALID` for an unknown name, and on each call for a partition
 * count that is not an integer >= 1.
 *
 * @example
 * const partition = createPartitioner('murmur2');
 * partition({ key: Buffer.from('foobar'), value: null }, 12); // 6, as the Java producer picks
 */
export function createPartitioner(name: PartitionerName): Partitioner {
  checkName(name);
  let next = 0;
  // Next in 0..n-1; taking `% n` of the stored position keeps the walk going when n changes.
  const roundRobin = (partitionCount: number): number => {
    const partition = next % partitionCount;
    next = partition + 1;
    return partition;
  };

  switch (name) {
    case 'murmur2':
      return (message, partitionCount) => {
        checkPartitionCount(name, partitionCount);
        // Java (since Kafka 3.3, KIP-794) sends key-less records to a "sticky" partition that it
        // switches after each batch.size bytes, weighted by the per-partition queue lengths of its
        // record accumulator. kafkajs exposes neither batch boundaries nor queue lengths to a
        // partitioner, so stickiness cannot be reproduced; round-robin (what kafkajs' own default
        // partitioner does for null keys) spreads the records as evenly and is deterministic.
        if (message.key === null) return roundRobin(partitionCount);
        return toPositive(murmur2(message.key)) % partitionCount;
      };
    case 'hash-value':
      return (message, partitionCount) => {
        checkPartitionCount(name, partitionCount);
        // A null value (a tombstone) has nothing to hash. Sending every one to partition 0 would
        // pile them onto one partition; round-robin spreads them like any other unhashable record.
        if (message.value === null) return roundRobin(partitionCount);
        return toPositive(murmur2(message.value)) % partitionCount;
      };
    case 'round-robin':
      return (_message, partitionCount) => {
        checkPartitionCount(name, partitionCount);
        return roundRobin(partitionCount);
      };
  }
}

/**
 * The named strategy as a kafkajs `createPartitioner` option. A record's own `partition` wins.
 * String keys and values are hashed as their UTF-8 bytes (what kafkajs puts on the wire), and an
 * absent key counts as null. Each topic
 * gets its own partitioner, like Java's RoundRobinPartitioner keeps a counter per topic: with one
 * shared counter, alternating sends to two 2-partition topics would put every record of each
 * topic on the same partition.
 *
 * @example
 * const producer = kafka.producer({ createPartitioner: toKafkajsPartitioner('murmur2') });
 */
export function toKafkajsPartitioner(name: PartitionerName): ICustomPartitioner {
  checkName(name);
  return () => {
    const byTopic = new Map<string, Partitioner>();
    return ({ topic, partitionMetadata, message }) => {
      // kafkajs asks the partitioner even for records that name their partition; like Java's
      // producer, an explicit partition wins (and does not advance round-robin).
      if (message.partition !== undefined && message.partition !== null) return message.partition;
      let partitioner = byTopic.get(topic);
      if (partitioner === undefined) {
        partitioner = createPartitioner(name);
        byTopic.set(topic, partitioner);
      }
      return partitioner(
        { key: toBytes(message.key), value: toBytes(message.value) },
        partitionMetadata.length,
      );
    };
  };
}

function toBytes(data: Message['key']): Uint8Array | null {
  if (data === null || data === undefined) return null;
  return typeof data === 'string' ? Buffer.from(data) : data;
}

function checkName(name: string): void {
  if (!(PARTITIONER_NAMES as readonly string[]).includes(name)) {
    throw new SluiceError(
      ErrorCode.configInvalid,
      `partitioner must be one of ${PARTITIONER_NAMES.join(', ')}; got ${show(name)}`,
    );
  }
}

function checkPartitionCount(name: PartitionerName, partitionCount: number): void {
  if (!(Number.isInteger(partitionCount) && partitionCount >= 1)) {
    throw new SluiceError(
      ErrorCode.configInvalid,
      `partition count for the ${name} partitioner must be an integer >= 1; got ${show(partitionCount)}`,
    );
  }
}

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
