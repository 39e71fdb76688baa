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
  /** Where a node's values go: its children (with `late`, its lateRecords children only). */
  emitter(node: number, late?: boolean): Receiver;
  /** The partition's windows for this batch: only a slot has them. */
  readonly windows: BatchWindows | undefined;
  /** Window operations that fired at least one window in this batch. */
  readonly fired: number[];
  /** toKafka outputs whose record batches a slot writes itself, by output node. */
  readonly kafkaLayouts?: ReadonlyMap<number, KafkaLayout>;
};
