// The slot protocol: what a worker starts with (WorkerInit) and the tasks it runs (SlotTask).

import type { BatchInfo, Offset } from '../core/index.ts';
import type { ValueFormat } from './decode.ts';
import type { GeneratorSpec } from './generator.ts';
import type { DecodePolicy } from './partition-types.ts';
import type { KeyedSnapshot, StateLayout } from './state-store.ts';
import type { LatePolicy } from './window-ops.ts';

/** What every worker slot is started with; the same job module and env as the main thread. */
export type WorkerInit = {
  readonly jobPath: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The main thread's graph signature; a worker that builds another graph refuses every task. */
  readonly signature: string;
  readonly valueFormat: ValueFormat;
  readonly decodePolicy: DecodePolicy;
  readonly latePolicy: LatePolicy;
  /** SLUICE_MAX_EVENT_TIME_AHEAD_MS. */
  readonly maxEventTimeAheadMs: number;
  readonly generator: GeneratorSpec;
  /** Keyed state's state partition count: the slots split their groups by state partition. */
  readonly statePartitions?: number;
  /**
   * The most one Kafka record batch of a 'records' task may decompress to (maxDecompressedBytesFor
   * SLUICE_MAX_BYTES_PER_BATCH); beyond it the batch is corrupt. Unset: that of the default.
   */
  readonly maxDecompressedBytes?: number;
  /** SLUICE_SINK_MAX_BATCH_BYTES, for the record batches of toKafka outputs; unset: 1 MiB. */
  readonly sinkMaxBatchBytes?: number;
  /** SLUICE_LATENCY_TIMESTAMP_FIELD: records' latency counts from this field of their value. */
  readonly latencyTimestampField?: string;
  /**
   * An Int32 the slots add 1 to (Atomics) for each asynchronous call (mapAsync, filterAsync) that
   * settles: shared with the main thread, whose stall watchdog takes a change as progress.
   */
  readonly progress?: SharedArrayBuffer;
};

/**
 * A batch task's toKafka outputs whose topics' partition counts the main thread knows, as
 * `[output node, partitions]`: the slot writes their record batches itself (not under
 * exactly-once, whose records go through the Kafka transaction's producer).
 */
export type SinkPartitions = { readonly sinks?: readonly (readonly [number, number])[] };

/** One task per partition batch. */
export type SlotTask =
  /**
   * Kafka record batches (RecordBatch v2, back to back, as a Fetch response holds them) at
   * `buffer[byteOffset, byteOffset + byteLength)`: the slot checks, decompresses and reads them,
   * and takes the records with offsets in `[fromOffset, untilOffset)`. The main thread left out
   * aborted transactions' batches; control batches are skipped here too.
   */
  | (SinkPartitions & {
      readonly type: 'records';
      readonly info: BatchInfo;
      readonly topic: string;
      readonly partition: number;
      readonly fromOffset: Offset;
      readonly untilOffset: Offset;
      readonly buffer: SharedArrayBuffer;
      readonly byteOffset: number;
      readonly byteLength: number;
      /**
       * The base offset of the first batch as the main thread cut it: the slot checks that the
       * bytes are those (shared memory reused too early would otherwise lose records silently).
       */
      readonly firstBatch?: Offset;
    })
  | (SinkPartitions & {
      readonly type: 'kafka';
      readonly info: BatchInfo;
      readonly buffer: SharedArrayBuffer;
      readonly byteLength: number;
    })
  | (SinkPartitions & {
      readonly type: 'generate';
      readonly info: BatchInfo;
      readonly partition: number;
      readonly fromOffset: number;
      readonly count: number;
    })
  /** No records: the partition's windows move to the batch's time and watermark. */
  | { readonly type: 'tick'; readonly info: BatchInfo; readonly topic: string; readonly partition: number }
  /** The partition's window state as msgpack bytes, for a checkpoint. */
  | { readonly type: 'snapshot'; readonly topic: string; readonly partition: number }
  /** Replaces the partition's window state with a checkpoint's. */
  | {
      readonly type: 'restore';
      readonly topic: string;
      readonly partition: number;
      readonly state: Uint8Array;
    }
  /** The partition left this instance: its window state (and keyed state) is dropped. */
  | { readonly type: 'forget'; readonly topic: string; readonly partition: number }
  /**
   * A state operation over state partition `partition` (kept with that input partition of the
   * layout's topic): `groups` is msgpack of its keys' `[key, values][]`. Returns msgpack of the
   * run (`StatePartitionRun`).
   */
  | {
      readonly type: 'state';
      readonly info: BatchInfo;
      readonly layout: StateLayout;
      readonly partition: number;
      readonly node: number;
      readonly groups: Uint8Array;
      /** The partition's groups from the slots' first pass (msgpack each), applied after `groups`. */
      readonly parts: readonly Uint8Array[];
      readonly snapshot: boolean;
    }
  /** The keyed state of a state partition, for a checkpoint. */
  | { readonly type: 'keyedSnapshot'; readonly layout: StateLayout; readonly partition: number }
  /** Replaces a state partition's keyed state with a checkpoint's. */
  | {
      readonly type: 'keyedRestore';
      readonly layout: StateLayout;
      readonly partition: number;
      readonly state: KeyedSnapshot;
    }
  /** A state partition rebuilt from the input: its keyed state is dropped. */
  | { readonly type: 'keyedForget'; readonly layout: StateLayout; readonly partition: number };
