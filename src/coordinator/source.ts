/** Where batches come from: the source the loop reads, and the ports of a source's partitions and replays. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { BatchBudget } from '../backpressure/index.ts';
import type { BatchInfo, Offset, OffsetRange, TopicPartition } from '../core/index.ts';
import type { SlotTask } from '../task/index.ts';

/** One partition's share of the next batch. */
export type PartitionWork = {
  readonly range: OffsetRange;
  readonly records: number;
  /** When the oldest of these records reached this process (epoch ms), if the source keeps it. */
  readonly fetchedAt?: number;
  task(info: BatchInfo): SlotTask;
  /**
   * The records' values as bytes, for partitions the main thread reads itself (repartition
   * topics); empty where the records are made in the slot (the generator).
   */
  values(): readonly (Uint8Array | null)[];
  /** Called once the slot task settled, e.g. to return its buffer to the pool. */
  settled(): void;
};

export type BufferedPartition = {
  readonly topic: string;
  readonly partition: number;
  readonly records: number;
  /** Bytes of their keys, values and headers. */
  readonly bytes: number;
  readonly paused: boolean;
};

/** What the loop reads batches from: the generator, Kafka through the direct source, a test's script. */
export type BatchSource = {
  readonly name: string;
  /**
   * The next batch's work per partition, within `budget` (backpressure, the per-partition rate
   * cap); `end` when a bounded (available-now) source is drained.
   */
  next(budget?: BatchBudget): Promise<PartitionWork[] | 'end'>;
  /** Called only after every output of the batch succeeded. */
  commit(ranges: readonly OffsetRange[]): Promise<void>;
  /**
   * Resolves once records wait for a batch, after `timeoutMs`, or when `signal` aborts: an idle
   * continuous run waits here rather than cutting empty batches. Never resolves synchronously;
   * a source that cannot tell when records arrive uses `pollForData`.
   */
  waitForData(timeoutMs: number, signal: AbortSignal): Promise<void>;
  /** Asks a `next()` that waits for data to return what it has: the engine is stopping. */
  interrupt(): void;
  close(): Promise<void>;
};

/** What readiness, metrics and the stall watchdog read of a source (the loop reads none of it). */
export type SourceStatus = {
  /** Per owned partition, the records fetched and waiting for a batch, and whether fetching is paused. */
  buffered(): readonly BufferedPartition[];
  /**
   * Records the source holds that a coming batch can take (fetched, not yet in a batch): with a
   * batch in flight, what the stall watchdog calls data waiting. Read-only.
   */
  waiting(): number;
  /**
   * Why the source cannot make progress now (its consumer rejoins the group or cannot reach the
   * brokers: it owns no partitions), or undefined. For readiness; read-only.
   */
  unavailable(): string | undefined;
};

/**
 * Which partitions are this instance's (a Kafka consumer group's assignment, the generator's
 * fixed set). Without one, the engine owns what the source brings and nothing is revoked.
 */
export type Assignment = {
  /** Resolves once the source has its first partitions (restored, with checkpoints). */
  ready(): Promise<void>;
  /** The partitions this instance owns now; windows tick them even when they bring no records. */
  owned(): readonly TopicPartition[];
  /** The next offset to hand out for an owned partition (undefined: not positioned yet). */
  position(topic: string, partition: number): Offset | undefined;
  /**
   * Registers what to do when partitions are about to be revoked (a rebalance): the engine
   * finishes its batch, checkpoints and commits; the source rejoins the group once that resolves.
   */
  onRevoking(handler: () => Promise<void>): void;
};

/** Runs a logged batch again (after a restore, with checkpoints' batch log). */
export type Replay = {
  /**
   * Exactly these ranges, once fetched. Undefined when a partition this instance owns does not
   * start at its range any more (the batch cannot be replayed as it was).
   */
  replay(ranges: readonly OffsetRange[]): Promise<PartitionWork[] | undefined>;
};

/** A source the app runs (the direct source, the generator): batches, status, assignment and replay. */
export type AppSource = BatchSource & SourceStatus & Assignment & Replay;

/** How often `pollForData` lets a waiting run ask the source again. */
const POLL_MS = 10;

/** `waitForData` of a source that cannot say when records arrive: the loop asks again soon. */
export async function pollForData(timeoutMs: number, signal: AbortSignal): Promise<void> {
  await sleep(Math.min(timeoutMs, POLL_MS), undefined, { signal }).catch(() => {});
}
