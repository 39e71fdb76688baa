// A compressed record batch's records section, decompressed in the slot with pure or built-in codecs only.
import { gunzipSync, zstdDecompressSync } from 'node:zlib';
import { uncompress as uncompressBlock } from 'snappyjs';
import { decompressFrame } from '../../../native-free/lz4/index.ts';
import { uncompressXerial } from '../../../native-free/snappy/index.ts';
import { ErrorCode, errorText, SluiceError } from '../../errors/index.ts';
import { BATCH_HEADER_BYTES, type BatchHeader, COMPRESSION } from './record-batch.ts';

/** Where a batch's records are: its own bytes, or a new buffer holding them decompressed. */
export type RecordsSection = { readonly bytes: Uint8Array; readonly start: number; readonly end: number };

/**
 * The records of the batch at `at`, decompressed when the batch is. `maxBytes` bounds what a
 * decompression may produce (a few bytes can inflate to gigabytes).
 */
export function recordsSection(
  bytes: Uint8Array,
  at: number,
  header: BatchHeader,
  maxBytes: number,
): RecordsSection {
  const start = at + BATCH_HEADER_BYTES;
  const end = at + header.size;
  if (header.compression === COMPRESSION.none) return { bytes, start, end };
  const compressed = bytes.subarray(start, end);
  let out: Uint8Array;
  try {
    out = decompress(header.compression, compressed, maxBytes);
  } catch (error) {
    throw new SluiceError(
      ErrorCode.decode,
      `corrupt record batch: batch at offset ${header.baseOffset} does not decompress (${codecName(header.compression)}): ${errorText(error)}`,
      { cause: error },
    );
  }
  if (out.byteLength > maxBytes) {
    throw new SluiceError(
      ErrorCode.decode,
      `corrupt record batch: batch at offset ${header.baseOffset} decompresses to more than ${maxBytes} bytes`,
    );
  }
  return { bytes: out, start: 0, end: out.byteLength };
}

function decompress(codec: number, compressed: Uint8Array, maxBytes: number): Uint8Array {
  switch (codec) {
    case COMPRESSION.gzip:
      return gunzipSync(compressed, { maxOutputLength: maxBytes });
    case COMPRESSION.zstd:
      return zstdDecompressSync(compressed, { maxOutputLength: maxBytes });
    case COMPRESSION.lz4:
      return decompressFrame(compressed);
    case COMPRESSION.snappy:
      // snappyjs, not the native addon: a worker slot loads no native code.
      return uncompressXerial(compressed, uncompressBlock, maxBytes);
    default:
      throw new Error(`${codecName(codec)} is no Kafka codec`);
  }
}

export function codecName(codec: number): string {
  const name = Object.entries(COMPRESSION).find(([, value]) => value === codec)?.[0];
  return name ?? `attribute ${codec}`;
}
