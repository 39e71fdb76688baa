// LZ4 for kafkajs: the LZ4 frame format Kafka stores, from the native addon or the pure implementation.

import { lz4 } from './select-native.ts';
import type { KafkajsCodec } from './types.ts';

/**
 * LZ4 for kafkajs. Kafka (message format v2) stores LZ4 batches as one LZ4 *frame* (magic
 * 0x184D2204, independent blocks), so this is the frame format, from whichever implementation
 * `lz4()` selected.
 */
export function lz4Codec(): KafkajsCodec {
  return {
    compress: async (encoder) => lz4().compressFrame(encoder.buffer),
    decompress: async (buffer) => lz4().decompressFrame(buffer),
  };
}
