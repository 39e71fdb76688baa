// What a slot's run of one partition batch takes and returns: its input, options and result.
import type { Offset, Origin, SourceRecord } from '../core/index.ts';
import type { SlotErrorData } from '../errors/index.ts';
import type { OperatorTimer } from './operator-clock.ts';
import type { KafkaLayout } from './output-encoding.ts';
import type { Export } from './partials.ts';
import type { LatePolicy, LateSample, PartitionStore } from './window-ops.ts';

export type DecodePolicy = 'fail' | 'skip' | 'dlq';

/** One partition's records for one batch, decoded on demand in the worker. */
export type RecordInput = {
  readonly topic: string;
  readonly partition: number;
  readonly count: number;
  offset(index: number): Offset;
  /** Decodes record `index`; throws when its bytes cannot be decoded. */
  record(index: number): SourceRecord;
  /** The undecoded bytes, for the dead-letter topic. */
  raw(index: number): { readonly key: Uint8Array | null; readonly value: Uint8Array | null };
  /**
   * When record `index` came into being (epoch ms): its Kafka timestamp (CreateTime, or
   * LogAppendTime where the topic sets it); what end-to-end latency is counted from. Without it,
   * none is.
   */
  createdAt?(index: number): number;
};

/**
 * The ages of a batch's records as a slot saw them: `ages` (a LatencyHistogram's sparse form, µs)
 * is `at` minus each record's `createdAt`, with `at` the slot's clock when it started the batch.
 * The main thread moves them to when the batch's outputs were written.
 */
export type RecordAges = { readonly at: number; readonly ages: number[] };

export type DecodeFailure = Origin & {
  readonly error: string;
  /** Present under the dlq policy: the original bytes to dead-letter. */
  readonly key?: Uint8Array | null;
  readonly value?: Uint8Array | null;
};

/** What a worker returns for one partition batch: small partials, never per-record objects (unless asked for). */
export type PartitionResult = {
  readonly topic: string;
  readonly partition: number;
  readonly records: number;
  readonly exports: Export[];
  readonly decodeErrors: number;
  /** Under `skip`, a sample; under `dlq`, every failed record with its bytes. */
  readonly failures: DecodeFailure[];
  /** Set when the batch must not be committed: a decode error under `fail`, or a user function that threw. */
  readonly fatal?: { readonly code: string; readonly message: string };
  /** With a user function's fatal error: what it threw, its stack and causes, for the main thread. */
  readonly fatalError?: SlotErrorData;
  /** Records event-time windows found late (each once), a sample of them, and (late policy dlq) all with bytes. */
  readonly late?: number;
  readonly lateSample?: LateSample[];
  readonly lateFailures?: DecodeFailure[];
  /** Window operations that fired at least one window in this batch. */
  readonly fired?: number[];
  /** `[withWatermark node, largest event time in this batch]`. */
  readonly eventTimes?: [number, number][];
  /** What the partition's window state holds after the batch (keys, or records of `window`). */
  readonly stateEntries?: number;
  /** Per window operation, `[node, entries]` of `stateEntries`. */
  readonly windowEntries?: [number, number][];
  /** Per node of the plan, the values its slot stage handed on (0 for nodes that run on the main thread). */
  readonly operators?: number[];
  /**
   * Per node of the plan, its own time in the slot over the batch, ms (0 for nodes with no slot
   * side): estimated from values sampled one in 64 and timed through the chain (`OperatorClock`).
   */
  readonly operatorMs?: number[];
  /** How long the slot ran the partition's batch through the job, ms. */
  readonly slotMs?: number;
  /** The ages of the records that went through the job (decode errors left out). */
  readonly latency?: RecordAges;
  /** Records whose asynchronous calls failed under `onError: 'dlq'`, with their bytes. */
  readonly callFailures?: DecodeFailure[];
};

export type RunOptions = {
  /** The partition's window state, kept across batches; a fresh one forgets every window. */
  readonly store?: PartitionStore;
  readonly latePolicy?: LatePolicy;
  /** Keyed state's state partition count: the groups go out split by state partition, encoded. */
  readonly statePartitions?: number;
  /**
   * Event times further ahead of the batch time than this are decode errors
   * (SLUICE_MAX_EVENT_TIME_AHEAD_MS); unset, no limit.
   */
  readonly maxEventTimeAheadMs?: number;
  /** toKafka outputs whose record batches the slot writes, by output node. */
  readonly kafkaLayouts?: ReadonlyMap<number, KafkaLayout>;
  /** The clock records' ages are read on (epoch ms): Date.now, or the TestDriver's. */
  readonly clock?: () => number;
  /** The timer of operators' own time: performance.now at a random phase, or a test's. */
  readonly operatorTimer?: OperatorTimer;
  /** Ages count from this field of the decoded value rather than from `createdAt`. */
  readonly latencyField?: string;
  /** Told each time an asynchronous call settles: the stall watchdog takes it as progress. */
  readonly callSettled?: () => void;
};
