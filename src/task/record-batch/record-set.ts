// A Fetch response's record set (RecordBatch v2, back to back) read in a slot into columns: the records in an offset range.
import type { Offset } from '../../core/index.ts';
import { ErrorCode, errorText, SluiceError } from '../../errors/index.ts';
import { exactTimestamp } from '../batch-view.ts';
import { codecName, recordsSection } from './decompress.ts';
import { type BatchHeader, crcMatches, readBatchHeader, readRecords } from './record-batch.ts';
import { RecordColumns } from './record-columns.ts';

/** Beyond this many offsets of one corrupt batch, the entries standing for them would cost too much memory. */
export const MAX_PROBLEM_ENTRIES = 200_000;
/** Bounds the reason quoted in a problem, so a message stays small whatever the bytes say. */
const MAX_REASON_CHARS = 300;
/** Offsets within a set are counted from fromOffset in numbers: exact below 2^53. */
const MAX_SPAN = BigInt(Number.MAX_SAFE_INTEGER);
/** Bytes up to and including lastOffsetDelta: enough to name the offsets of a batch that cannot be framed. */
const SPAN_BYTES = 27;

/** The least bound on a Kafka batch's decompressed bytes, and the one of a WorkerInit that sets none. */
export const MIN_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

/**
 * The most one Kafka batch may decompress to in a slot (WorkerInit.maxDecompressedBytes), from
 * SLUICE_MAX_BYTES_PER_BATCH. A Sluice batch takes about that many bytes of records, and one Kafka
 * batch can hold them all, plus a record larger than the limit (which still arrives, KIP-74): four
 * times leaves room for that, and the 64 MiB floor for the broker's largest batches (a few MiB
 * compressed, at ratios of 10 or more for JSON). Beyond it a batch is a zip bomb, not data.
 */
export function maxDecompressedBytesFor(maxBytesPerBatch: number): number {
  return Math.max(MIN_MAX_DECOMPRESSED_BYTES, 4 * maxBytesPerBatch);
}

/** Where the record set lies and which of its records to take: a 'records' task's fields. */
export type RecordSetSource = {
  readonly topic: string;
  readonly partition: number;
  readonly buffer: SharedArrayBuffer | ArrayBuffer;
  readonly byteOffset: number;
  readonly byteLength: number;
  /** The first offset to take. */
  readonly fromOffset: Offset;
  /** The offset after the last one to take. */
  readonly untilOffset: Offset;
};

/** Entries `[first, last]` stand for the offsets of a corrupt batch; `problem` says why. */
type ProblemRange = {
  readonly first: number;
  readonly last: number;
  readonly problem: string;
  readonly lastProblem: string;
};

/**
 * The records of a record set with offsets in `[fromOffset, untilOffset)`, in offset order.
 * Each batch's CRC-32C is checked and compressed batches are decompressed (at most
 * `maxDecompressedBytes` each); control batches (transaction markers) are skipped. A corrupt batch
 * does not stop the set: each of its offsets in range becomes an entry whose `problem` says what is
 * wrong, with null key and value, and the next batches are read as usual. Keys and values are views
 * into the shared buffer or a decompressed copy, valid while the buffer is not reused.
 *
 * @example
 * const set = new RecordSetView(task, 64 << 20);
 * for (let i = 0; i < set.count; i++) if (set.problem(i) === undefined) use(set.offset(i), set.value(i));
 */
export class RecordSetView {
  readonly count: number;
  readonly #columns: RecordColumns;
  /** Byte sources of keys and values: 0 is the record set's buffer, the others decompressed batches. */
  readonly #sources: Uint8Array[];
  readonly #problems: ProblemRange[] = [];

  /**
   * `columns`: arrays to fill, reused from an earlier set (a TaskRunner's, one task at a time);
   * the view read from them before must no longer be used.
   */
  constructor(set: RecordSetSource, maxDecompressedBytes: number, columns = new RecordColumns()) {
    const { fromOffset, untilOffset } = set;
    const end = set.byteOffset + set.byteLength;
    if (!(set.byteOffset >= 0 && set.byteLength >= 0 && end <= set.buffer.byteLength)) {
      throw new SluiceError(
        ErrorCode.decode,
        `record set [${set.byteOffset}, ${end}) lies outside its buffer of ${set.buffer.byteLength} bytes`,
      );
    }
    if (untilOffset - fromOffset > MAX_SPAN) {
      throw new SluiceError(
        ErrorCode.decode,
        `offset range [${fromOffset}, ${untilOffset}) spans more than 2^53 offsets, which a number cannot count exactly`,
      );
    }
    const bytes = new Uint8Array(set.buffer);
    this.#sources = [bytes];
    columns.reset(fromOffset, untilOffset > fromOffset ? untilOffset - fromOffset : 0n);
    this.#columns = columns;
    const where = `${set.topic}-${set.partition}`;

    let at = set.byteOffset;
    while (at < end) {
      let header: BatchHeader | 'partial';
      try {
        header = readBatchHeader(bytes, at, end);
      } catch (error) {
        this.#unframed(bytes, at, end, where, reasonOf(error), fromOffset, untilOffset);
        break;
      }
      if (header === 'partial') {
        // The main thread frames complete batches: bytes that end inside one cannot be walked past.
        const declared = end - at >= 12 ? new DataView(bytes.buffer).getInt32(at + 8) + 12 : undefined;
        const reason = `a batch of ${declared ?? 'unknown'} bytes, but the record set ends ${end - at} bytes into it`;
        this.#unframed(bytes, at, end, where, reason, fromOffset, untilOffset);
        break;
      }
      const first = header.baseOffset;
      const last = first + BigInt(header.lastOffsetDelta);
      if (last >= fromOffset && first < untilOffset) {
        const reason = this.#readBatch(bytes, at, header, fromOffset, untilOffset, maxDecompressedBytes);
        if (reason !== undefined) {
          this.#corrupt(where, first, last, header.compression, reason, fromOffset, untilOffset);
        }
      }
      at += header.size;
    }
    this.count = columns.count;
  }

  /** The record's Kafka offset. */
  offset(index: number): Offset {
    this.#check(index);
    return this.#columns.offset(index) as Offset;
  }

  /** The record's timestamp in epoch milliseconds; a `SLUICE_DECODE` error beyond ±2^53. */
  timestamp(index: number): number {
    this.#check(index);
    return exactTimestamp(this.#columns.timestamps[index] as number);
  }

  /** The key bytes (a view, not a copy), or null. */
  key(index: number): Uint8Array | null {
    this.#check(index);
    const columns = this.#columns;
    return this.#span(index, columns.keyStart[index] as number, columns.keyLength[index] as number);
  }

  /** The value bytes (a view, not a copy), or null for a tombstone. */
  value(index: number): Uint8Array | null {
    this.#check(index);
    const columns = this.#columns;
    return this.#span(index, columns.valueStart[index] as number, columns.valueLength[index] as number);
  }

  /** Why the entry is no record (its batch is corrupt), or undefined for a record. */
  problem(index: number): string | undefined {
    this.#check(index);
    const problems = this.#problems;
    if (problems.length === 0) return undefined;
    let low = 0;
    let high = problems.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const range = problems[middle] as ProblemRange;
      if (index < range.first) high = middle - 1;
      else if (index > range.last) low = middle + 1;
      else return index === range.last ? range.lastProblem : range.problem;
    }
    return undefined;
  }

  /** Reads the batch's records in range into the columns; the reason when the batch is corrupt. */
  #readBatch(
    bytes: Uint8Array,
    at: number,
    header: BatchHeader,
    fromOffset: bigint,
    untilOffset: bigint,
    maxDecompressedBytes: number,
  ): string | undefined {
    if (!crcMatches(bytes, at, header)) return 'CRC-32C mismatch';
    if (header.control) return undefined;
    if (header.count < 0 || header.count > header.lastOffsetDelta + 1) {
      return `counts ${header.count} records for ${header.lastOffsetDelta + 1} offsets`;
    }
    const columns = this.#columns;
    const before = columns.count;
    try {
      const section = recordsSection(bytes, at, header, maxDecompressedBytes);
      let source = 0;
      if (section.bytes !== bytes) {
        source = this.#sources.length;
        this.#sources.push(section.bytes);
      }
      // In numbers, not bigints: a batch's offsets lie within 2^31 of its base, and the set's
      // offsets within 2^53 of fromOffset.
      const base = Number(header.baseOffset - fromOffset);
      const span = Number(untilOffset - fromOffset);
      const lastDelta = header.lastOffsetDelta;
      let previous = -1;
      readRecords(section.bytes, section.start, section.end, header, (record) => {
        const delta = record.offsetDelta;
        if (delta <= previous || delta > lastDelta) {
          throw new Error(
            `record offset delta ${delta} is out of order or past the batch's last, ${lastDelta}`,
          );
        }
        previous = delta;
        const at = base + delta;
        if (at < 0 || at >= span) return;
        const timestamp = Number.isSafeInteger(record.timestamp) ? record.timestamp : Number.NaN;
        columns.push(
          at,
          timestamp,
          source,
          record.keyStart,
          record.keyLength,
          record.valueStart,
          record.valueLength,
        );
      });
      return undefined;
    } catch (error) {
      columns.count = before;
      return reasonOf(error);
    }
  }

  /** Bytes from `at` on cannot be split into batches: the first one's offsets, when readable, become problems. */
  #unframed(
    bytes: Uint8Array,
    at: number,
    end: number,
    where: string,
    reason: string,
    fromOffset: bigint,
    untilOffset: bigint,
  ): void {
    if (end - at < SPAN_BYTES) return;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const first = view.getBigInt64(at);
    const lastOffsetDelta = view.getInt32(at + 23);
    if (lastOffsetDelta < 0) return;
    const last = first + BigInt(lastOffsetDelta);
    const compression = view.getInt16(at + 21) & 0x07;
    this.#corrupt(where, first, last, compression, reason, fromOffset, untilOffset);
  }

  /** One entry per offset of `[first, last]` in range, at most MAX_PROBLEM_ENTRIES. */
  #corrupt(
    where: string,
    first: bigint,
    last: bigint,
    compression: number,
    reason: string,
    fromOffset: bigint,
    untilOffset: bigint,
  ): void {
    const columns = this.#columns;
    const start = first > fromOffset ? first : fromOffset;
    const stop = last < untilOffset - 1n ? last : untilOffset - 1n;
    if (stop < start) return;
    const offsets = stop - start + 1n;
    const entries = offsets > BigInt(MAX_PROBLEM_ENTRIES) ? MAX_PROBLEM_ENTRIES : Number(offsets);
    const batch = `${where} at offsets ${first}-${last} (${codecName(compression)})`;
    const problem = `corrupt record batch ${batch}: ${reason.slice(0, MAX_REASON_CHARS)}`;
    const lastProblem =
      entries < offsets
        ? `${problem}; ${offsets - BigInt(entries)} more offsets of this batch up to ${stop} have no entry (at most ${MAX_PROBLEM_ENTRIES} per batch)`
        : problem;
    const index = columns.count;
    const startDelta = Number(start - fromOffset);
    for (let i = 0; i < entries; i++) columns.push(startDelta + i, 0, 0, 0, -1, 0, -1);
    this.#problems.push({ first: index, last: index + entries - 1, problem, lastProblem });
  }

  #span(index: number, start: number, length: number): Uint8Array | null {
    if (length < 0) return null;
    const source = this.#sources[this.#columns.source[index] as number] as Uint8Array;
    return source.subarray(start, start + length);
  }

  #check(index: number): void {
    if (!(index >= 0 && index < this.count)) {
      throw new RangeError(`record index ${index} is outside [0, ${this.count})`);
    }
  }
}

/** An error's message without the prefix the problem text already has. */
function reasonOf(error: unknown): string {
  return errorText(error).replace(/^corrupt record batch: /, '');
}
