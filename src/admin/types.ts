import type { LatencySummary } from '../core/index.ts';

/** What `/readyz` answers: ready, or why not. */
export type Readiness =
  | { readonly status: 'ready' }
  | { readonly status: 'starting' | 'stopping' | 'failed'; readonly reason: string }
  | ProgressProblem;

/** Why a started run makes no progress now: its consumer owns no partitions, or a batch hangs. */
export type ProgressProblem = { readonly status: 'rejoining' | 'stuck'; readonly reason: string };

/** One partition's consumer lag: the high watermark minus the group's committed offset. */
export type PartitionLag = {
  readonly topic: string;
  readonly partition: number;
  readonly lag: bigint;
};

/** Reads the lag of the partitions this instance owns; called at scrape time. */
export type LagSource = () => Promise<readonly PartitionLag[]>;

/** An offset range as JSON: offsets are bigints, so they travel as decimal strings. */
export type OffsetRangeJson = {
  readonly topic: string;
  readonly partition: number;
  readonly fromOffset: string;
  readonly untilOffset: string;
};

/** One finished batch as `/api/batches` lists it. Times are epoch ms, durations ms. */
export type BatchRecord = {
  readonly batchId: number;
  readonly time: number;
  readonly offsetRanges: readonly OffsetRangeJson[];
  readonly records: {
    readonly consumed: number;
    readonly processed: number;
    readonly late: number;
    readonly decodeErrors: number;
    readonly deadLettered: number;
  };
  readonly schedulingDelayMs: number;
  readonly processingMs: number;
  /** Of processingMs: until every slot returned its result. */
  readonly slotsMs: number;
  /** Of processingMs: merging and writing the outputs (exactly-once: until the transaction committed). */
  readonly outputMs: number;
  readonly totalDelayMs: number;
  /** The longest a record of the batch waited in the fetch buffer; null when the source does not say. */
  readonly fetchWaitMs: number | null;
  /** The batch's records from their Kafka timestamps to its outputs written; null without records. */
  readonly latency: LatencySummary | null;
  /** The event-time watermark the batch ran with; null before any event time (or without windows). */
  readonly watermark: number | null;
  /** The backpressure rate after the batch, records per second; null without backpressure. */
  readonly rate: number | null;
  /**
   * SLUICE_TARGET_LATENCY_MS: the interval (null: not tuned) and records-per-batch cap set after
   * the batch, what was done and why; null without a target.
   */
  readonly tuning: {
    readonly intervalMs: number | null;
    readonly maxRecords: number;
    readonly action: 'shorten' | 'lengthen' | 'hold';
    readonly reason: string;
  } | null;
};

/** `/api/status`: readiness, lag per owned partition (records) and each slot's busy fraction. */
export type StatusJson = Readiness & {
  readonly lag: readonly { readonly topic: string; readonly partition: number; readonly lag: number }[];
  readonly slots: readonly { readonly slot: number; readonly utilization: number }[];
};

/** An HTTP answer of the admin server. */
export type AdminResponse = {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
};

/** A read-only endpoint: it sees only the path, never a body or a query. */
export type Route = () => AdminResponse | Promise<AdminResponse>;
