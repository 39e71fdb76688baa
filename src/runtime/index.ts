export { type App, type AppOptions, resolveJobPath, startApp } from './app.ts';
export { BatchView, type EncodedBatch, encodeBatch } from './batch-codec.ts';
export { BufferPool } from './buffer-pool.ts';
export {
  type BatchInFlight,
  type BatchStats,
  Engine,
  type EngineOptions,
  type EngineSummary,
  type Trigger,
} from './engine.ts';
export { type Logger, silentLogger } from './logger.ts';
export { decodeResult, encodeResult } from './result-codec.ts';
export { Slots } from './slots.ts';
export type { BatchSource, BufferedPartition, PartitionWork } from './source.ts';
export { GeneratorSource } from './source-generator.ts';
export { type Stall, StallWatchdog, stallError } from './stall-watchdog.ts';
export type { SlotTask, WorkerInit } from './types.ts';
