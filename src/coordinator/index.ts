export {
  type BatchInFlight,
  type BatchStats,
  Engine,
  type EngineOptions,
  type EngineSummary,
  type Trigger,
} from './engine.ts';
export {
  type KeyedState,
  LocalKeyedState,
  PartitionedKeyedState,
  type PartitionInput,
  type StateRun,
  storeFor,
} from './keyed-state.ts';
export { mergePartitions, type OutputBatch } from './merge.ts';
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
export { Slots } from './slots.ts';
export type { BatchSource, BufferedPartition, PartitionWork } from './source.ts';
export { type Stall, StallWatchdog, stallError } from './stall-watchdog.ts';
export { type ExchangeSnapshot, WindowExchange } from './window-exchange.ts';
export { WindowMerger } from './window-merge.ts';
