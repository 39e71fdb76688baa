// The one interface every operator implements, and what it sees of the batch it runs in.
import type { BatchInfo } from '../../core/index.ts';
import type { KafkaLayout } from '../output-encoding.ts';
import type { Export } from '../partials.ts';
import type { BatchWindows } from '../window-ops.ts';

/** Takes one value. */
export type Receiver = (value: unknown) => void;

/** One node's run over one batch: values go in one at a time, then `end` once they are all in. */
export type Stage = {
  readonly push: Receiver;
  /** Called once every value of the batch is in, nodes in graph order; may emit. */
  readonly end?: () => void;
};

/** A stage of two parents (cogroup, the joins, transformWith): `pushFrom(parent)` is each one's receiver. */
export type PairStage = Stage & { pushFrom(parent: number): Receiver };
/**
 * A stage whose values go on later, in the order they came: mapAsync, filterAsync. The partition's
 * run waits while one is full, and drains it before the stages after it end.
 */
export type AsyncStage = Stage & {
  /** Values held: their calls in flight, or settled and waiting for an earlier one's. */
  readonly held: number;
  /** Whether it holds its concurrency's worth: no record is pushed until a value goes on. */
  readonly full: boolean;
  /**
   * Hands on, in push order, the values whose calls settled, up to the first still in flight;
   * throws for a failed call that stops the batch (scope.record and scope.time are its value's).
   */
  flush(): void;
  /** The batch stopped: every call in flight is aborted, and none starts. */
  abort(): void;
};

export function isAsyncStage(stage: Stage): stage is AsyncStage {
  return 'flush' in stage;
}

/** What a partition's run gives its asynchronous stages. */
export type Calls = {
  /** A call settled (or failed): the run may hand values on. */
  settled(): void;
  /** A call failed under `onError: 'dlq'`: record `record` of the batch goes to the dead-letter topic. */
  deadLetter(record: number, error: string): void;
};

/** The slot's side of an aggregation: it ends in a partial for the main thread to merge. */
export type PartialStage = Stage & { partial(): Export };

/** What a stage may use of the batch. The slot's and the main thread's pipelines each build one. */
export type BatchScope = {
  readonly info: BatchInfo;
  /**
   * Event time of the value being pushed: the record's timestamp, or what withWatermark read;
   * NaN for values that have none (a transform's, a window's).
   */
  time: number;
  /** The index in the partition batch of the record the value being pushed came from; -1 for none. */
  record: number;
  /** Only a slot's run has them: what asynchronous stages report to. */
  readonly calls?: Calls;
  /** Where a node's values go: its children (with `late`, its lateRecords children only). */
  emitter(node: number, late?: boolean): Receiver;
  /** The partition's windows for this batch: only a slot has them. */
  readonly windows: BatchWindows | undefined;
  /** Window operations that fired at least one window in this batch. */
  readonly fired: number[];
  /** toKafka outputs whose record batches a slot writes itself, by output node. */
  readonly kafkaLayouts?: ReadonlyMap<number, KafkaLayout>;
};
