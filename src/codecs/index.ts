// Kafka's compression codecs for kafkajs (which ships gzip only): snappy, LZ4 and zstd, with native
// addons where they load and pure implementations otherwise (SLUICE_NATIVE). See docs/compression.md.

export { compressXerial, isXerialFramed, uncompressSnappy } from './codec-snappy.ts';
export { guarded, MAX_PLACEHOLDERS } from './corrupt-batch.ts';
export { compressionType, logSelection, registerCodecs } from './register.ts';
export { lz4, nativeMode, selectCodecs } from './select-native.ts';
export type { CodecLog, CodecName, CodecReport, KafkajsCodec, Lz4, SnappyBlock } from './types.ts';
