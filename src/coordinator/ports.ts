/** What the loop needs from outputs, checkpoints, transactions and repartition topics: ports the app wires to sinks/, checkpoint/ and kafka/. */
import type { BatchInfo, BatchPlan, PartitionPosition } from '../core/index.ts';
import type { OutputProfile } from './batch-profile.ts';
import type { OutputBatch } from './merge.ts';
import type { Forward } from './repartition-records.ts';

/** Writes a batch's merged outputs (sinks/ `Outputs`). */
export type OutputPort = {
  /** Each output's write as it went, when the port says. */
  write(outputs: readonly OutputBatch[], info: BatchInfo): Promise<readonly OutputProfile[] | undefined>;
  /** Stops retrying a failing write: the run is stopping. */
  interrupt(): void;
  /**
   * A toKafka output topic's partition count when the slots may write its record batches
   * themselves; undefined: they encode records for the main thread's producer.
   */
  slotPartitions?(topic: string): Promise<number | undefined>;
};

/**
 * Checkpoints of every partition's state (checkpoint/ `Checkpointer`); with them, offsets are
 * committed only once a checkpoint covering them is durable, on its interval and when the run ends.
 */
export type CheckpointPort = {
  due(): boolean;
  save(positions: readonly PartitionPosition[], owned?: ReadonlySet<string>, batchId?: number): Promise<void>;
  /** Logs a batch before it runs, so that a crash replays it exactly. */
  planned?(plan: BatchPlan): Promise<void>;
  /** Logged batches to run again first, and the id of the first new batch. */
  replay?(): Promise<{ readonly plans: readonly BatchPlan[]; readonly nextBatchId: number }>;
};

/**
 * Exactly-once: the offsets go into the Kafka transaction that holds the outputs (and, with
 * checkpoints, the checkpointer commits it with the changelog records) instead of a plain commit.
 */
export type TransactionPort = {
  own(partitions: readonly { readonly topic: string; readonly partition: number }[]): void;
  commit(offsets: readonly PartitionPosition[]): Promise<void>;
};

/**
 * Keyed state and windows across instances: the source's partitions of these topics (name →
 * state or window operation) hold forwarded groups and window messages, read on this thread
 * rather than in a slot; `write` sends a batch's records for state partitions owned elsewhere,
 * before the batch commits.
 */
export type RepartitionPort = {
  readonly topics: ReadonlyMap<string, number>;
  write(forwards: readonly Forward[]): Promise<void>;
};
