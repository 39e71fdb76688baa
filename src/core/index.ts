export { toJson } from './json.ts';
export { type Logger, silentLogger } from './logger.ts';
export { describeMarker, readMarker, type UndecompressableBatch } from './marker.ts';
export { murmur2, toPositive } from './murmur2.ts';
export { decodePlain, encodePlain } from './plain.ts';
export type { BatchInfo, Key, OffsetRange, Origin, Pair, SourceRecord } from './types.ts';
