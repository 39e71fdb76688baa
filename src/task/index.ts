// task/: what a worker slot runs — entry, task runner, batch format, decode, pipeline; no I/O.

export { BatchView } from './batch-view.ts';
export { encodeBatch, kafkaBatchTask } from './batch-writer.ts';
export { BufferPool } from './buffer-pool.ts';
export type { ValueFormat } from './decode.ts';
export {
  CLICK_EVENT_BYTES,
  type ClickEvent,
  clickAt,
  GENERATOR_TOPIC,
  type GeneratorSpec,
} from './generator.ts';
export { mergeAggregate } from './operators/aggregate.ts';
export {
  DEFAULT_SINK_MAX_BATCH_BYTES,
  type EncodedOutput,
  type EncodedSink,
  encodeOutput,
  isEncodedSink,
  type KafkaBatch,
  type KafkaLayout,
  visitKafkaRecords,
  writtenValues,
} from './output-encoding.ts';
export { KeyGroups } from './partials.ts';
export { runPartition, runPartitionAsync } from './partition-run.ts';
export type { DecodeFailure, DecodePolicy, PartitionResult, RecordInput } from './partition-types.ts';
export { runOnMain } from './pipeline.ts';
export type { SinkPartitions, SlotTask, WorkerInit } from './protocol.ts';
export { COMPRESSION, controlRecordType } from './record-batch/record-batch.ts';
export { RecordBatchWriter, recordBytes } from './record-batch/record-batch-writer.ts';
export { maxDecompressedBytesFor } from './record-batch/record-set.ts';
export { recordValues } from './record-values.ts';
export { decodeResult } from './result-codec.ts';
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
export {
  decodeStore,
  encodeStore,
  type KeyedSlotSnapshot,
  measureKeyed,
  type NodeBytes,
  packState,
  type SlotSnapshot,
  unpackState,
} from './store-snapshot.ts';
export { type GivenValues, TaskRunner } from './task-runner.ts';
export type { LatePolicy, PartitionStore } from './window-ops.ts';
