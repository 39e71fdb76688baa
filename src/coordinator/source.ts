import type { BatchBudget } from '../backpressure/index.ts';
import type { BatchInfo, OffsetRange } from '../core/index.ts';
import type { SlotTask } from '../task/index.ts';

/** One partition's share of the next batch. */
export type PartitionWork = {
  readonly range: OffsetRange;
  readonly records: number;
  task(info: BatchInfo): SlotTask;
  /** The records' values, for partitions the main thread reads itself (repartition topics). */
  values?(): readonly (Uint8Array | null)[];
  /** Called once the slot task settled, e.g. to return its buffer to the pool. */
  settled?(): void;
};

export type BufferedPartition = {
  readonly topic: string;
  readonly partition: number;
  readonly records: number;
  /** Bytes of their keys, values and headers. */
  readonly bytes: number;
  readonly paused: boolean;
};

/** Where batches come from: the generator, or Kafka through the direct source. */
export type BatchSource = {
  readonly name: string;
  /**
   * The next batch's work per partition, within `budget` (backpressure, the per-partition rate
   * cap); `end` when a bounded (available-now) source is drained.
   */
  next(budget?: BatchBudget): Promise<PartitionWork[] | 'end'>;
  /** Per owned partition, the records fetched and waiting for a batch, and whether fetching is paused. */
  buffered?(): readonly BufferedPartition[];
  /** Called only after every output of the batch succeeded. */
  commit(ranges: readonly OffsetRange[]): Promise<void>;
  /** Resolves once the source has its first partitions (restored, with checkpoints). */
  ready?(): Promise<void>;
  /**
   * A logged batch again: exactly these ranges, once fetched. Undefined when a partition this
   * instance owns does not start at its range any more (the batch cannot be replayed as it was).
   */
  replay?(ranges: readonly OffsetRange[]): Promise<PartitionWork[] | undefined>;
  /** The next offset to hand out for an owned partition (undefined: not positioned yet). */
  position?(topic: string, partition: number): bigint | undefined;
  /** The partitions this instance owns now; windows tick them even when they bring no records. */
  owned?(): readonly { readonly topic: string; readonly partition: number }[];
  /**
   * Registers what to do when partitions are about to be revoked (a rebalance): the engine
   * finishes its batch, checkpoints and commits; the source rejoins the group once that resolves.
   */
  onRevoking?(handler: () => Promise<void>): void;
  /**
   * Records the source holds that a coming batch can take (fetched, not yet in a batch): with a
   * batch in flight, what the stall watchdog calls data waiting. Read-only.
   */
  waiting?(): number;
  /**
   * Resolves once records wait for a batch, after `timeoutMs`, or when `signal` aborts: an idle
   * continuous run waits here rather than cutting empty batches. Never resolves synchronously.
   */
  waitForData?(timeoutMs: number, signal: AbortSignal): Promise<void>;
  /**
   * Why the source cannot make progress now (its consumer rejoins the group or cannot reach the
   * brokers: it owns no partitions), or undefined. For readiness; read-only.
   */
  unavailable?(): string | undefined;
  /** Asks a `next()` that waits for data to return what it has: the engine is stopping. */
  interrupt?(): void;
  close(): Promise<void>;
};
