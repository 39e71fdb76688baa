// The three ways the producer spreads records over partitions: by key (what the Java client does
// for keyed records), by value, and round-robin. Each is a plain function of the record bytes and
// the partition count, so tests assert exact partitions without a broker.

import type { ICustomPartitioner, Message } from 'kafkajs';
import { PARTITIONER_NAMES, type PartitionerName, partitionHash } from '../core/index.ts';
import { ErrorCode, SluiceError } from '../errors/index.ts';

export { PARTITIONER_NAMES, type PartitionerName };

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
  const partitionOf = hashedPartitions(name);
  return (message, partitionCount) =>
    partitionOf(partitionHash(name, message.key, message.value), partitionCount);
}

/**
 * Partitions from `partitionHash` values: `hash % n`, and round-robin for -1. Java (since Kafka
 * 3.3, KIP-794) sends key-less records to a "sticky" partition that it switches after each
 * batch.size bytes, weighted by the per-partition queue lengths of its record accumulator.
 * kafkajs exposes neither batch boundaries nor queue lengths, so stickiness cannot be reproduced;
 * round-robin (what kafkajs' own default partitioner does for null keys) spreads the records as
 * evenly and is deterministic. A null value under `hash-value` (a tombstone) goes round-robin
 * too, rather than piling onto partition 0.
 */
export function hashedPartitions(name: PartitionerName): (hash: number, partitionCount: number) => number {
  let next = 0;
  return (hash, partitionCount) => {
    checkPartitionCount(name, partitionCount);
    if (hash >= 0) return hash % partitionCount;
    // Next in 0..n-1; taking `% n` of the stored position keeps the walk going when n changes.
    const partition = next % partitionCount;
    next = partition + 1;
    return partition;
  };
}

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
