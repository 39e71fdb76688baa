// dsl/: the user API and planner — defineJob, DStream, graph, plan, specs; main thread and worker slots.

export type { BatchInfo, Key, OffsetRange, Origin, Pair, SourceRecord } from '../core/index.ts';
export {
  ASYNC_DEFAULTS,
  type AsyncCall,
  type AsyncErrorPolicy,
  type AsyncOptions,
  type AsyncSpec,
} from './async-spec.ts';
export { DStream, type KafkaOutputOptions, MapWithStateDStream } from './dstream.ts';
export {
  type AggregateNode,
  type AsyncNode,
  type CogroupNode,
  type ElementNode,
  Graph,
  type IntervalJoinNode,
  isAggregate,
  isAsync,
  isElement,
  isKeyedState,
  isWindow,
  type KeyedStateNode,
  type Node,
  type PairJoin,
  parentsOf,
  type SinkSpec,
  type SourceNode,
  type TableJoinNode,
  type TransformNode,
  type TransformWithNode,
  type WatermarkNode,
  type WindowAggregateNode,
  type WindowNode,
} from './graph.ts';
export { describeInput, type InputFormat, type InputSpec, type StreamOptions } from './input-spec.ts';
export { Inputs } from './inputs.ts';
export { type IntervalJoinOptions, MAX_INTERVAL_MS } from './interval-join-spec.ts';
export { buildGraph, defineJob, importJob, type Job, type JobBuilder, type JobContext } from './job.ts';
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
  type MappingFunction,
  type MapWithStateSpec,
  type State,
  StateHandle,
  StateSpec,
} from './state-spec.ts';
export { Table } from './table.ts';
