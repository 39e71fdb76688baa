// coordinator/: the main-thread loop — batches, slots, merge, commits, window exchange, repartition.

export type { OperatorProfile, OutputProfile, PartitionProfile } from './batch-profile.ts';
export { DataSignal } from './data-signal.ts';
export {
  type BatchFailure,
  type BatchInFlight,
  type BatchStats,
  Engine,
  type EngineOptions,
  type EngineSummary,
  type Trigger,
} from './engine.ts';
export { type KeyedState, LocalKeyedState } from './keyed-state.ts';
export { mergePartitions, type OutputBatch } from './merge.ts';
// The ports app/ fills with sinks/, checkpoint/ and kafka/ objects: exported even where filled by shape alone.
export type { CheckpointPort, OutputPort, RepartitionPort, TransactionPort } from './ports.ts';
export type { Routing } from './repartition.ts';
export {
  decodeForward,
  decodeWindowMessage,
  encodeForward,
  encodeWindowMessage,
  type Forward,
  type KeyForward,
  repartitionTopic,
  type WindowIncoming,
  type WindowMessage,
} from './repartition-records.ts';
export { SlotKeyedState } from './slot-state.ts';
export { Slots } from './slots.ts';
export {
  type AppSource,
  type Assignment,
  type BatchSource,
  type BufferedPartition,
  type PartitionWork,
  pollForData,
  type Replay,
  type SourceStatus,
} from './source.ts';
export { type Stall, StallWatchdog, stallError } from './stall-watchdog.ts';
export { type ExchangeSnapshot, WindowExchange } from './window-exchange.ts';
export { WindowMerger } from './window-merge.ts';
