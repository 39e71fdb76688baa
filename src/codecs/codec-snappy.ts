// Snappy for kafkajs: writes the xerial framing Kafka's Java client writes; reads it and plain blocks.

import { ErrorCode, SluiceError } from '../errors/index.ts';
import { snappyBlock } from './select-native.ts';
import type { KafkajsCodec, SnappyBlock } from './types.ts';

/*
 * Kafka's Java client writes snappy through snappy-java's SnappyOutputStream: the "xerial" framing
 *
 *   header  8 bytes magic 0x82 'SNAPPY' 0x00, int32 version (1), int32 compatible version (1)
 *   chunks  [int32 compressed length][raw snappy block of at most 32 KiB of input], repeated
 *
 * (all integers big-endian). Its SnappyInputStream also accepts one plain snappy block without
 * the header, which is what some other clients (kafkajs-snappy among them) write; we read both and
 * write the framing, as Java does.
 */
export const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_VERSION = 1;
const XERIAL_COMPATIBLE_VERSION = 1;
const HEADER_BYTES = 16;
/** snappy-java's SnappyOutputStream.DEFAULT_BLOCK_SIZE. */
export const XERIAL_BLOCK_SIZE = 32 * 1024;

function decodeError(message: string): SluiceError {
  return new SluiceError(ErrorCode.decode, `snappy: ${message}`);
}

/** True when `input` starts with the xerial header (magic alone decides, as in snappy-java). */
export function isXerialFramed(input: Uint8Array): boolean {
  if (input.length < HEADER_BYTES) return false;
  for (let i = 0; i < XERIAL_MAGIC.length; i++) if (input[i] !== XERIAL_MAGIC[i]) return false;
  return true;
}

/** Compresses `input` in the xerial framing, 32 KiB of input per chunk. */
export function compressXerial(input: Uint8Array, block: SnappyBlock = snappyBlock()): Buffer {
  const parts: Buffer[] = [];
  const header = Buffer.alloc(HEADER_BYTES);
  XERIAL_MAGIC.copy(header, 0);
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
  if (!isXerialFramed(input)) return block.uncompress(input);
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const compatible = view.getInt32(12);
  if (compatible > XERIAL_VERSION) {
    throw decodeError(`xerial framing needs version ${compatible}; this reader knows ${XERIAL_VERSION}`);
  }
  const parts: Buffer[] = [];
  let at = HEADER_BYTES;
  while (at < input.length) {
    if (at + 4 > input.length) throw decodeError(`truncated chunk length at byte ${at}`);
    const length = view.getInt32(at);
    at += 4;
    if (length < 0 || at + length > input.length) {
      throw decodeError(`chunk of ${length} bytes at byte ${at - 4} overruns the ${input.length}-byte input`);
    }
    parts.push(block.uncompress(input.subarray(at, at + length)));
    at += length;
  }
  return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
}

/** Snappy for kafkajs: writes the xerial framing, reads it and plain blocks. */
export function snappyCodec(): KafkajsCodec {
  return {
    compress: async (encoder) => compressXerial(encoder.buffer),
    decompress: async (buffer) => uncompressSnappy(buffer),
  };
}
