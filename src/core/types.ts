// The record vocabulary both threads share: offsets, offset ranges, batch info, origins, positions, plans.

declare const offsetBrand: unique symbol;

/**
 * A Kafka offset: a bigint made only by `toOffset` (offsets come from the broker, checkpoints and
 * ranges), so that a count, a timestamp or an index cannot be passed where an offset belongs.
 */
export type Offset = bigint & { readonly [offsetBrand]: true };

export function toOffset(value: bigint | number | string): Offset {
  return BigInt(value) as Offset;
}

/** One partition's slice of a batch: Spark's OffsetRange, with `until` exclusive. */
export type OffsetRange = {
  readonly topic: string;
  readonly partition: number;
  readonly fromOffset: Offset;
  readonly untilOffset: Offset;
};

/** What every output learns about the batch it receives. */
export type BatchInfo = {
  /** Dense, starting at 0 for a run; with offsets it identifies the batch for idempotent sinks. */
  readonly batchId: number;
  /** Batch time (epoch ms): the end of the interval the batch covers. */
  readonly time: number;
  readonly intervalMs: number;
  readonly offsetRanges: readonly OffsetRange[];
  /**
   * The engine's event-time watermark when the batch started (epoch ms): -∞ before any event
   * time was seen, +∞ in the last batch of a bounded run, which closes every window.
   */
  readonly watermark?: number;
};

/** Where a record came from; carried into errors, logs and the dead-letter topic. */
export type Origin = {
  readonly topic: string;
  readonly partition: number;
  readonly offset: Offset;
};

/** A record as the job's source stream sees it; `value` is decoded per SLUICE_VALUE_FORMAT. */
export type SourceRecord<V = unknown> = Origin & {
  readonly timestamp: number;
  readonly key: string | null;
  readonly value: V;
};

/** Keys of keyed operations. Other values are keyed by their JSON text. */
export type Key = string | number | boolean | bigint | null;

export type Pair<K, V> = readonly [K, V];

/** A partition at a batch boundary: the next offset its state has not seen. */
export type PartitionPosition = {
  readonly topic: string;
  readonly partition: number;
  readonly offset: Offset;
};

/** A batch as it was planned: replayed with the same id, time and ranges, it gives the same outputs. */
export type BatchPlan = {
  readonly batchId: number;
  readonly time: number;
  readonly ranges: readonly OffsetRange[];
};
