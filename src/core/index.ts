// core/: the shared vocabulary — records, offsets, partition and key identity, plain msgpack; every thread.

export {
  type PartitionId,
  parsePartitionId,
  partitionId,
  partitionName,
  type TopicPartition,
} from './ids.ts';
export { toJson } from './json.ts';
export { keyIdentity, keyText } from './key.ts';
export {
  bucketOf,
  bucketRange,
  LatencyHistogram,
  type LatencySummary,
  microsToMs,
} from './latency-histogram.ts';
export { type Logger, silentLogger } from './logger.ts';
export { describeMarker, encodeMarker, readMarker, type UndecompressableBatch } from './marker.ts';
export { isSourceModule, packageFile, resolveSelfFromSource, siblingModule } from './module-url.ts';
export {
  murmur2,
  PARTITIONER_NAMES,
  type PartitionerName,
  partitionHash,
  toPositive,
} from './murmur2.ts';
export { decodePlain, encodePlain, joinArray, MAX_JSON_DEPTH } from './plain.ts';
export { seededRandom } from './random.ts';
export { type RetryOptions, retry } from './retry.ts';
export type {
  BatchInfo,
  BatchPlan,
  Key,
  Offset,
  OffsetRange,
  Origin,
  Pair,
  PartitionPosition,
  SourceRecord,
} from './types.ts';
export { toOffset } from './types.ts';
