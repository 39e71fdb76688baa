export { DStream, type KafkaOutputOptions, MapWithStateDStream } from './dstream.ts';
export { Graph, type KeyedStateNode, type Node, type SinkSpec, type WindowAggregateNode } from './graph.ts';
export { buildGraph, defineJob, importJob, type Job, type JobBuilder, type JobContext } from './job.ts';
export {
  type KeyedState,
  LocalKeyedState,
  PartitionedKeyedState,
  type PartitionInput,
  type StateRun,
  storeFor,
} from './keyed-state.ts';
export { mergePartitions, type OutputBatch } from './merge.ts';
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
export { decodePlain, encodePlain } from './plain.ts';
export { Plan } from './plan.ts';
export {
  type PostgresColumn,
  type PostgresOutputOptions,
  type PostgresSinkSpec,
  type PostgresTable,
  parseTable,
  windowColumns,
} from './postgres-spec.ts';
export {
  decodeForward,
  decodeWindowMessage,
  encodeForward,
  encodeWindowMessage,
  type Forward,
  type KeyForward,
  type Routing,
  repartitionTopic,
  type WindowForward,
  type WindowIncoming,
  type WindowMessage,
} from './repartition.ts';
export { addParts, runStatePartition, type StateInput, type StatePartitionRun } from './state-ops.ts';
export {
  type MappingFunction,
  type MapWithStateSpec,
  type State,
  StateSpec,
} from './state-spec.ts';
export {
  type KeyedSnapshot,
  KeyedStateStore,
  keyText,
  type StateLayout,
  type StateLog,
  StatePartitions,
  statePartitionOf,
} from './state-store.ts';
export type { BatchInfo, Key, OffsetRange, Origin, Pair, SourceRecord } from './types.ts';
export { type ExchangeSnapshot, WindowExchange } from './window-exchange.ts';
export { WindowMerger } from './window-merge.ts';
export { type LatePolicy, type LateSample, lateError, type PartitionStore } from './window-ops.ts';
