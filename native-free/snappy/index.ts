// Snappy's xerial framing (Kafka's Java client's), read around any raw-block decompressor.
export type { UncompressBlock } from './xerial.ts';
export {
  isXerialFramed,
  uncompressXerial,
  XERIAL_COMPATIBLE_VERSION,
  XERIAL_HEADER_BYTES,
  XERIAL_MAGIC,
  XERIAL_VERSION,
} from './xerial.ts';
