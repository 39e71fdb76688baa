/** The values of raw record batches in an offset range, for the few partitions the main thread reads itself. */

import { ErrorCode, SluiceError } from '../errors/index.ts';
import { recordsSection } from './record-batch/decompress.ts';
import { crcMatches, readBatchHeader, readRecords } from './record-batch/record-batch.ts';

/** Decompressed records of one batch beyond this are refused: forwarded groups are far smaller. */
const MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024;

/**
 * The values (views, or null) of the records in `[from, until)` of the record batches `bytes`
 * holds back to back: repartition topics, whose values the main thread routes.
 */
export function recordValues(bytes: Uint8Array, from: bigint, until: bigint): (Uint8Array | null)[] {
  const values: (Uint8Array | null)[] = [];
  let at = 0;
  while (at < bytes.length) {
    const header = readBatchHeader(bytes, at);
    if (header === 'partial')
      throw new SluiceError(ErrorCode.decode, `record batch at byte ${at} is cut short`);
    if (!crcMatches(bytes, at, header)) {
      throw new SluiceError(
        ErrorCode.decode,
        `record batch at offset ${header.baseOffset} fails its CRC check`,
      );
    }
    if (!header.control) {
      const section = recordsSection(bytes, at, header, MAX_DECOMPRESSED_BYTES);
      readRecords(section.bytes, section.start, section.end, header, (record) => {
        if (record.offset < from || record.offset >= until) return;
        values.push(
          record.valueLength < 0
            ? null
            : section.bytes.subarray(record.valueStart, record.valueStart + record.valueLength),
        );
      });
    }
    at += header.size;
  }
  return values;
}
