export { BatchView } from './batch-view.ts';
export { encodeBatch, kafkaBatchTask } from './batch-writer.ts';
export { BufferPool } from './buffer-pool.ts';
export { decodeValue, type ValueFormat } from './decode.ts';
export {
  CLICK_EVENT_BYTES,
  type ClickEvent,
  clickAt,
  GENERATOR_TOPIC,
  type GeneratorSpec,
} from './generator.ts';
export { mergeAggregate } from './operators/aggregate.ts';
export { type Export, KeyGroups } from './partials.ts';
export {
  type DecodeFailure,
  type DecodePolicy,
  describeOrigin,
  isDecodeError,
  type PartitionResult,
  type RecordInput,
  type RunOptions,
  runPartition,
} from './partition-run.ts';
export { runOnMain } from './pipeline.ts';
export type { SlotTask, WorkerInit } from './protocol.ts';
export { decodeResult, encodeResult } from './result-codec.ts';
export {
  addParts,
  groupsFromPairs,
  runStatePartition,
  type StateInput,
  type StatePartitionRun,
  stateInputFromResults,
} from './state-ops.ts';
export {
  type KeyedSnapshot,
  KeyedStateStore,
  type StateLayout,
  type StateLog,
  StatePartitions,
  statePartitionOf,
  storeFor,
} from './state-store.ts';
export { decodeStore, encodeStore, packState, unpackState } from './store-snapshot.ts';
export { type GivenValues, type TaskOutput, TaskRunner } from './task-runner.ts';
export { type LatePolicy, type LateSample, lateError, type PartitionStore } from './window-ops.ts';
