/** The values of raw record batches in an offset range, for the few partitions the main thread reads itself. */
import type { Offset } from '../core/index.ts';
import { ErrorCode, SluiceError } from '../errors/index.ts';
import { MIN_MAX_DECOMPRESSED_BYTES, RecordSetView } from './record-batch/record-set.ts';

/**
 * The values (views, or null) of the records in `[from, until)` of the record batches `bytes`
 * holds back to back: repartition topics, whose values the main thread routes. Sluice wrote
 * them, so a corrupt batch is a `SLUICE_DECODE` error, not a record to skip.
 */
export function recordValues(
  topic: string,
  partition: number,
  bytes: Uint8Array,
  fromOffset: Offset,
  untilOffset: Offset,
): (Uint8Array | null)[] {
  const { buffer, byteOffset, byteLength } = bytes;
  const set = new RecordSetView(
    { topic, partition, buffer, byteOffset, byteLength, fromOffset, untilOffset },
    MIN_MAX_DECOMPRESSED_BYTES,
  );
  const values: (Uint8Array | null)[] = [];
  for (let index = 0; index < set.count; index++) {
    const problem = set.problem(index);
    if (problem !== undefined) throw new SluiceError(ErrorCode.decode, problem);
    values.push(set.value(index));
  }
  return values;
}
