// Snappy for kafkajs: writes the xerial framing Kafka's Java client writes; reads it and plain blocks.

import {
  isXerialFramed,
  uncompressXerial,
  XERIAL_COMPATIBLE_VERSION,
  XERIAL_HEADER_BYTES,
  XERIAL_MAGIC,
  XERIAL_VERSION,
} from '../../native-free/snappy/index.ts';
import { snappyBlock } from './select-native.ts';
import type { KafkajsCodec, SnappyBlock } from './types.ts';

// The framing (snappy-java's SnappyOutputStream, "xerial") and its reader live in native-free/snappy,
// which the worker slots use too; this file writes it, as Java does, and reads it for kafkajs.
export { isXerialFramed };
/** snappy-java's SnappyOutputStream.DEFAULT_BLOCK_SIZE. */
export const XERIAL_BLOCK_SIZE = 32 * 1024;

/** Compresses `input` in the xerial framing, 32 KiB of input per chunk. */
export function compressXerial(input: Uint8Array, block: SnappyBlock = snappyBlock()): Buffer {
  const parts: Buffer[] = [];
  const header = Buffer.alloc(XERIAL_HEADER_BYTES);
  header.set(XERIAL_MAGIC, 0);
  header.writeInt32BE(XERIAL_VERSION, 8);
  header.writeInt32BE(XERIAL_COMPATIBLE_VERSION, 12);
  parts.push(header);
  for (let start = 0; start < input.length; start += XERIAL_BLOCK_SIZE) {
    const chunk = block.compress(input.subarray(start, start + XERIAL_BLOCK_SIZE));
    const length = Buffer.alloc(4);
    length.writeInt32BE(chunk.length, 0);
    parts.push(length, chunk);
  }
  return Buffer.concat(parts);
}

/** Decompresses xerial-framed snappy, or a plain snappy block. Throws `SLUICE_DECODE` on bad input. */
export function uncompressSnappy(input: Uint8Array, block: SnappyBlock = snappyBlock()): Buffer {
  const out = uncompressXerial(input, (raw) => block.uncompress(raw));
  return Buffer.isBuffer(out) ? out : Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

/** Snappy for kafkajs: writes the xerial framing, reads it and plain blocks. */
export function snappyCodec(): KafkajsCodec {
  return {
    compress: async (encoder) => compressXerial(encoder.buffer),
    decompress: async (buffer) => uncompressSnappy(buffer),
  };
}
