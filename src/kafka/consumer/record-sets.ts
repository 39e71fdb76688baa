/** A fetched record set framed into its record batches on the main thread: per batch, never per record. */
import { ErrorCode, SluiceError } from '../../errors/index.ts';
import { controlRecordType } from '../../task/index.ts';
import type { AbortedTransaction } from './fetch-response.ts';

/** One record batch kept for the slots: its bytes (a view into the response) and offsets. */
export type FetchedBatch = {
  readonly bytes: Uint8Array;
  readonly base: bigint;
  /** The batch's last offset (base + last offset delta). */
  readonly last: bigint;
  readonly count: number;
  /** When the fetch buffer took it (epoch ms). */
  readonly fetchedAt?: number;
};

export type FramedRecords = {
  /** The data batches to process, in offset order (aborted transactions and markers left out). */
  readonly batches: FetchedBatch[];
  /** Where the next fetch starts: past the last complete batch; undefined when none was complete. */
  readonly next: bigint | undefined;
  /**
   * What the first batch declares it weighs when it did not come whole: larger than what the
   * partition may fetch, it arrives only when asked for first and with room for it (KIP-74).
   */
  readonly partialSize: number | undefined;
};

/** Bytes of baseOffset and batchLength, which batchLength does not count. */
const LOG_OVERHEAD = 12;
/** The fixed part of a RecordBatch v2 (DefaultRecordBatch.RECORD_BATCH_OVERHEAD). */
const BATCH_OVERHEAD = 61;
const TRANSACTIONAL = 0x10;
const CONTROL = 0x20;
const ABORT_MARKER = 0;

/**
 * Frames `records` (a partition's record set of a Fetch response read from `fetchAt`) into its
 * complete batches, reading only their headers. Batches that end before `fetchAt` (the broker
 * starts at the batch holding it), control batches and — with `aborted` (read_committed) —
 * batches of aborted transactions are left out, as Kafka's consumer does. The last batch may be
 * cut short by the fetch's size limit: it comes again with the next fetch.
 */
export function frameRecords(
  records: Uint8Array,
  fetchAt: bigint,
  aborted: readonly AbortedTransaction[] | null,
  where: string,
): FramedRecords {
  const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
  const batches: FetchedBatch[] = [];
  const pending = aborted ? [...aborted].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : 1)) : [];
  let nextAborted = 0;
  const abortedProducers = new Set<bigint>();
  let next: bigint | undefined;
  let at = 0;
  while (records.length - at >= LOG_OVERHEAD) {
    const base = view.getBigInt64(at);
    const size = LOG_OVERHEAD + view.getInt32(at + 8);
    if (size < BATCH_OVERHEAD) {
      throw new SluiceError(
        ErrorCode.decode,
        `corrupt record batch in ${where} at offset ${base}: it declares ${size} bytes, fewer than a batch header; Kafka's consumer stops here too (a damaged log segment)`,
      );
    }
    if (records.length - at < size) {
      return { batches, next, partialSize: next === undefined ? size : undefined };
    }
    const attributes = view.getInt16(at + 21);
    const last = base + BigInt(Math.max(0, view.getInt32(at + 23)));
    const start = at;
    at += size;
    next = last + 1n;
    if (last < fetchAt) continue;
    if ((attributes & TRANSACTIONAL) !== 0 && aborted) {
      while (
        nextAborted < pending.length &&
        (pending[nextAborted] as AbortedTransaction).firstOffset <= last
      ) {
        abortedProducers.add((pending[nextAborted] as AbortedTransaction).producerId);
        nextAborted++;
      }
      const producerId = view.getBigInt64(start + 43);
      if ((attributes & CONTROL) !== 0) {
        if (controlRecordType(records, start + BATCH_OVERHEAD, start + size) === ABORT_MARKER) {
          abortedProducers.delete(producerId);
        }
        continue;
      }
      if (abortedProducers.has(producerId)) continue;
    }
    if ((attributes & CONTROL) !== 0) continue;
    batches.push({ bytes: records.subarray(start, at), base, last, count: view.getInt32(start + 57) });
  }
  return { batches, next, partialSize: undefined };
}
