/** Partition identities: the one map-key form and the one display form of a topic partition. */

declare const partitionIdBrand: unique symbol;

/** A topic partition as a map key: `topic\0partition` (a topic name cannot hold NUL). */
export type PartitionId = string & { readonly [partitionIdBrand]: true };

export type TopicPartition = { readonly topic: string; readonly partition: number };

export function partitionId(topic: string, partition: number): PartitionId {
  return `${topic}\u0000${partition}` as PartitionId;
}

export function parsePartitionId(id: string): TopicPartition {
  const at = id.lastIndexOf('\u0000');
  return { topic: id.slice(0, at), partition: Number(id.slice(at + 1)) };
}

/**
 * A topic partition as people and file names read it, Kafka's own `topic-partition`; also the
 * changelog record key and checkpoint file name, so it must not change.
 */
export function partitionName(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}
