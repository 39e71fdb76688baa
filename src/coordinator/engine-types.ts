/** The engine's public types: its options and trigger, a batch's stats, the batch in flight, a run's summary. */
import type { LatencyTuner, RateController, TuningDecision } from '../backpressure/index.ts';
import type { BatchInfo, LatencyHistogram, Logger } from '../core/index.ts';
import type { Plan } from '../dsl/index.ts';
import type { DecodeFailure } from '../task/index.ts';
import type { WatermarkTracker } from '../window/index.ts';
import type { OperatorProfile, OutputProfile, PartitionProfile } from './batch-profile.ts';
import type { KeyedState } from './keyed-state.ts';
import type { CheckpointPort, OutputPort, RepartitionPort, TransactionPort } from './ports.ts';
import type { Slots } from './slots.ts';
import type { Assignment, BatchSource, Replay } from './source.ts';
import type { WindowExchange } from './window-exchange.ts';
import type { WindowMerger } from './window-merge.ts';

export type Trigger = 'micro-batch' | 'continuous' | 'available-now';

export type BatchStats = {
  readonly info: BatchInfo;
  /** Records the source handed to the batch. */
  readonly consumed: number;
  /** Records the slots ran through the job. */
  readonly records: number;
  readonly decodeErrors: number;
  readonly deadLettered: number;
  /** Records event-time windows found older than the watermark. */
  readonly late: number;
  /** The event-time watermark the batch ran with (epoch ms; -∞ before any event time). */
  readonly watermark: number;
  /** Batch time to start of processing, ms (Spark's scheduling delay). */
  readonly schedulingDelayMs: number;
  /** From the start of processing to the offsets committed (or on their way to it). */
  readonly processingMs: number;
  /** Of processingMs: until every slot returned its partition's result. */
  readonly slotsMs: number;
  /** Of processingMs: merging and writing the outputs (under exactly-once, until the transaction committed). */
  readonly outputMs: number;
  /** The longest a record of the batch waited in the source's fetch buffer (undefined: the source does not say). */
  readonly fetchWaitMs?: number;
  /**
   * Each record's end-to-end latency in µs: from its Kafka timestamp to its batch's outputs
   * written. Undefined without records (or timestamps).
   */
  readonly latency?: LatencyHistogram;
  /** The backpressure rate after this batch, records per second (undefined: none, or not yet). */
  readonly rate?: number;
  /** SLUICE_TARGET_LATENCY_MS: what the latency tuner set after this batch, and why. */
  readonly tuning?: TuningDecision;
  /** After the batch: keys (or `window` records) the owned partitions' windows hold, in the slots. */
  readonly windowState?: number;
  /** After the batch: keys with keyed state (updateStateByKey, mapWithState) held here. */
  readonly keyedState?: number;
  /** After the batch: keys with keyed state per state partition held here, `[state partition, keys]`. */
  readonly keyedPartitions?: readonly (readonly [number, number])[];
  /** Each partition's part of the batch, as its slot reported it. */
  readonly partitions?: readonly PartitionProfile[];
  /** Per node of the plan, the values it handed on (and on the main thread, its time). */
  readonly operators?: readonly OperatorProfile[];
  /** Each output's write: values, time, attempts (undefined: the output port does not say). */
  readonly outputs?: readonly OutputProfile[];
};

/** A batch that failed: its plan, the step it was in and the error that stopped it. */
export type BatchFailure = {
  readonly info: BatchInfo;
  readonly step: BatchInFlight['step'];
  readonly error: unknown;
};

/** The batch running now, for the stall watchdog: what it waits on when it does not finish. */
export type BatchInFlight = {
  readonly batchId: number;
  readonly records: number;
  /** When it started, on the engine's clock. */
  readonly startedAt: number;
  readonly step: 'processing' | 'writing outputs' | 'committing';
  /**
   * A job with mapAsync or filterAsync: how many calls the slots have settled, a running count
   * (`Slots.callsSettled`); the stall watchdog takes a change as progress of the batch.
   */
  readonly calls?: number;
};

export type EngineOptions = {
  readonly plan: Plan;
  readonly slots: Pick<Slots, 'run'>;
  readonly source: BatchSource;
  /**
   * Which partitions are this instance's (usually the source itself). Undefined: the partitions
   * the source brings; nothing is revoked, and checkpoints cover every partition seen. Required,
   * so that a caller says which it means rather than forgets its source's.
   */
  readonly assignment: Assignment | undefined;
  /**
   * Runs the batches the checkpoints logged again after a restore (usually the source itself).
   * Undefined: a logged batch cannot be replayed as it was.
   */
  readonly replay: Replay | undefined;
  readonly outputs: OutputPort;
  readonly trigger: Trigger;
  readonly intervalMs: number;
  readonly commitIntervalMs: number;
  readonly log: Logger;
  /** Writes decode failures to the dead-letter topic (dlq policy); before the batch is committed. */
  readonly deadLetter?: (failures: readonly DecodeFailure[]) => Promise<void>;
  readonly onBatch?: (stats: BatchStats) => void;
  /** Told when a batch fails, before the run stops for it. */
  readonly onBatchFailed?: (failure: BatchFailure) => void;
  readonly now?: () => number;
  /** Backpressure and the per-partition rate cap: how many records each batch takes. */
  readonly rates?: RateController;
  /** SLUICE_TARGET_LATENCY_MS: the batch interval and the records-per-batch cap, moved after each batch. */
  readonly tuner?: LatencyTuner;
  /** A partition without records for this long stops holding the event-time watermark back. */
  readonly idleTimeoutMs?: number;
  readonly checkpoints?: CheckpointPort;
  readonly transactions?: TransactionPort;
  /** The window merger and watermark the checkpoints capture (made here when not given). */
  readonly windows?: { readonly merger: WindowMerger; readonly watermark: WatermarkTracker };
  /** Keyed state (in the slots, or in this thread): required by a job with state operations. */
  readonly keyed?: KeyedState;
  /**
   * Window aggregations across instances (with `repartition`): merged by the owner of each key's
   * state partition, complete once every partition has fired through the window's end.
   */
  readonly exchange?: WindowExchange;
  readonly repartition?: RepartitionPort;
};

export type EngineSummary = {
  readonly batches: number;
  readonly records: number;
  readonly decodeErrors: number;
  readonly late: number;
};
