// A record batch's records section compressed in the slot, with built-in or pure codecs only (as decompress.ts reads them).
import { gzipSync, zstdCompressSync } from 'node:zlib';
import { compress as compressBlock } from 'snappyjs';
import { compressFrame } from '../../../native-free/lz4/index.ts';
import {
  XERIAL_COMPATIBLE_VERSION,
  XERIAL_MAGIC,
  XERIAL_VERSION,
} from '../../../native-free/snappy/index.ts';
import { COMPRESSION } from './record-batch.ts';

/** The block size of Kafka's Java client's snappy stream (xerial's default). */
const XERIAL_BLOCK_BYTES = 32 * 1024;

/** `records` compressed by Kafka codec `codec` (COMPRESSION); `none` gives them back. */
export function compressRecords(codec: number, records: Uint8Array): Uint8Array {
  switch (codec) {
    case COMPRESSION.gzip:
      return gzipSync(records);
    case COMPRESSION.zstd:
      return zstdCompressSync(records);
    case COMPRESSION.lz4:
      return compressFrame(records);
    case COMPRESSION.snappy:
      return xerialSnappy(records);
    default:
      return records;
  }
}

/**
 * Snappy in xerial's framing, as Kafka's Java client writes it (and every client reads): the
 * magic and versions, then each 32 KiB block as its compressed length and bytes.
 */
function xerialSnappy(records: Uint8Array): Uint8Array {
  const blocks: Uint8Array[] = [];
  for (let at = 0; at < records.length; at += XERIAL_BLOCK_BYTES)
    blocks.push(compressBlock(records.subarray(at, at + XERIAL_BLOCK_BYTES)));
  const out = new Uint8Array(16 + blocks.reduce((sum, block) => sum + 4 + block.length, 0));
  const view = new DataView(out.buffer);
  out.set(XERIAL_MAGIC, 0);
  view.setInt32(8, XERIAL_VERSION);
  view.setInt32(12, XERIAL_COMPATIBLE_VERSION);
  let at = 16;
  for (const block of blocks) {
    view.setInt32(at, block.length);
    out.set(block, at + 4);
    at += 4 + block.length;
  }
  return out;
}
