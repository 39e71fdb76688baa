// Kafka's compression codecs for kafkajs (which ships gzip only): snappy, LZ4 and zstd, with native
// addons where they load and pure implementations otherwise (SLUICE_NATIVE). See docs/compression.md.

export { compressXerial, isXerialFramed, uncompressSnappy, XERIAL_MAGIC } from './codec-snappy.ts';
export { guarded, MAX_PLACEHOLDERS } from './corrupt-batch.ts';
export { codecReport, compressionType, logSelection, registerCodecs } from './register.ts';
export {
  lz4,
  type ModuleLoader,
  nativeMode,
  type Selection,
  selectCodecs,
  snappyBlock,
} from './select-native.ts';
export type {
  CodecLog,
  CodecName,
  CodecReport,
  Compression,
  KafkajsCodec,
  Lz4,
  NativeMode,
  SnappyBlock,
} from './types.ts';
