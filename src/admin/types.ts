import type { OperatorProfile, OutputProfile, PartitionProfile } from '../coordinator/index.ts';
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
  /** The batch interval it ran with, ms. */
  readonly intervalMs: number;
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

/** `/api/batch?id=`: a batch with what its partitions, operators and outputs did. */
export type BatchDetail = BatchRecord & {
  readonly partitions: readonly PartitionProfile[];
  readonly operators: readonly OperatorProfile[];
  /** Each output's write; empty when no output had a batch (a window that did not fire). */
  readonly outputs: readonly OutputProfile[];
  /** Keyed state's keys per state partition held here, `[state partition, keys]`; null without keyed state. */
  readonly keyedPartitions: readonly (readonly [number, number])[] | null;
};

/** The batch a run failed in, and why: the dashboard shows it as it is. */
export type FailureJson = {
  /** Code and message, redacted. */
  readonly reason: string;
  readonly step: 'processing' | 'writing outputs' | 'committing';
  readonly batch: {
    readonly batchId: number;
    readonly time: number;
    readonly offsetRanges: readonly OffsetRangeJson[];
  };
};

/** `/api/status`: readiness, lag per owned partition (records and time) and each slot's busy share. */
export type StatusJson = Readiness & {
  readonly lag: readonly {
    readonly topic: string;
    readonly partition: number;
    readonly lag: number;
    /** The lag over the partition's recent consumption rate, ms; null when it took no records lately. */
    readonly lagMs?: number | null;
  }[];
  readonly slots: readonly {
    readonly slot: number;
    /** Busy since the slot started. */
    readonly utilization: number;
    /** Busy share over the last batch interval; absent before two batches. */
    readonly busyShare?: number;
  }[];
  /** Per owned partition, its event-time watermark (epoch ms, null before any) and whether it is idle. */
  readonly watermarks?: readonly {
    readonly topic: string;
    readonly partition: number;
    readonly watermark: number | null;
    readonly idle: boolean;
  }[];
  /** The failed batch and its reason, once a batch failed. */
  readonly failure?: FailureJson;
};

/** An HTTP answer of the admin server. */
export type AdminResponse = {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
};

/** A read-only endpoint: it sees the path's query, never a body. */
export type Route = (query: URLSearchParams) => AdminResponse | Promise<AdminResponse>;
