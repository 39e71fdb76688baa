// Reads snappy in the xerial framing Kafka's Java client writes, around any raw-block decompressor.
import { ErrorCode, SluiceError } from '../../src/errors/index.ts';

/*
 * Kafka's Java client writes snappy through snappy-java's SnappyOutputStream: the "xerial" framing
 *
 *   header  8 bytes magic 0x82 'SNAPPY' 0x00, int32 version (1), int32 compatible version (1)
 *   chunks  [int32 compressed length][raw snappy block of at most 32 KiB of input], repeated
 *
 * (all integers big-endian). Its SnappyInputStream also accepts one plain snappy block without
 * the header, which is what some other clients (kafkajs-snappy among them) write; we read both.
 */
export const XERIAL_MAGIC: Uint8Array = Uint8Array.of(0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00);
export const XERIAL_VERSION = 1;
export const XERIAL_COMPATIBLE_VERSION = 1;
export const XERIAL_HEADER_BYTES = 16;

/**
 * A raw snappy block decompressor: the native addon's or snappyjs's. `maxBytes` is what it may
 * produce; one that can read a block's declared length first refuses more without decompressing.
 */
export type UncompressBlock = (block: Uint8Array, maxBytes: number) => Uint8Array;

function decodeError(message: string): SluiceError {
  return new SluiceError(ErrorCode.decode, `snappy: ${message}`);
}

/** True when `input` starts with the xerial header (magic alone decides, as in snappy-java). */
export function isXerialFramed(input: Uint8Array): boolean {
  if (input.length < XERIAL_HEADER_BYTES) return false;
  for (let i = 0; i < XERIAL_MAGIC.length; i++) if (input[i] !== XERIAL_MAGIC[i]) return false;
  return true;
}

/**
 * Decompresses xerial-framed snappy, or a plain snappy block, with `block` for each raw block.
 * Throws `SLUICE_DECODE` on bad framing, and when the output would pass `maxBytes`.
 */
export function uncompressXerial(
  input: Uint8Array,
  block: UncompressBlock,
  maxBytes = Number.POSITIVE_INFINITY,
): Uint8Array {
  if (!isXerialFramed(input)) return bounded(block(input, maxBytes), 0, maxBytes);
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const compatible = view.getInt32(12);
  if (compatible > XERIAL_VERSION) {
    throw decodeError(`xerial framing needs version ${compatible}; this reader knows ${XERIAL_VERSION}`);
  }
  const parts: Uint8Array[] = [];
  let total = 0;
  let at = XERIAL_HEADER_BYTES;
  while (at < input.length) {
    if (at + 4 > input.length) throw decodeError(`truncated chunk length at byte ${at}`);
    const length = view.getInt32(at);
    at += 4;
    if (length < 0 || at + length > input.length) {
      throw decodeError(`chunk of ${length} bytes at byte ${at - 4} overruns the ${input.length}-byte input`);
    }
    const part = bounded(block(input.subarray(at, at + length), maxBytes - total), total, maxBytes);
    parts.push(part);
    total += part.byteLength;
    at += length;
  }
  return parts.length === 1 ? (parts[0] as Uint8Array) : concat(parts, total);
}

/** `out`, when `before` bytes and it fit in `maxBytes`. */
function bounded(out: Uint8Array, before: number, maxBytes: number): Uint8Array {
  if (before + out.byteLength > maxBytes)
    throw decodeError(`decompresses to more than the ${maxBytes} bytes allowed`);
  return out;
}

function concat(parts: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}
