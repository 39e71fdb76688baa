// Kafka RecordBatch v2 (magic 2) read in a slot: the batch header, its CRC-32C, and its records as byte ranges.
import { ErrorCode, SluiceError } from '../../errors/index.ts';
import { crc32c } from './crc32c.ts';

/** Bytes before the records: baseOffset … recordCount (Kafka's DefaultRecordBatch.RECORD_BATCH_OVERHEAD). */
export const BATCH_HEADER_BYTES = 61;
/** Bytes of baseOffset and batchLength, which batchLength does not count. */
const LOG_OVERHEAD = 12;
const CRC_AT = 17;
const ATTRIBUTES_AT = 21;

export const COMPRESSION = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;

export type BatchHeader = {
  readonly baseOffset: bigint;
  /** Bytes of the whole batch, baseOffset included. */
  readonly size: number;
  readonly partitionLeaderEpoch: number;
  readonly magic: number;
  readonly crc: number;
  readonly compression: number;
  /** Timestamps are the broker's append time (LogAppendTime) rather than the producer's. */
  readonly logAppendTime: boolean;
  readonly transactional: boolean;
  readonly control: boolean;
  readonly lastOffsetDelta: number;
  /** As a number; exact within ±2^53 (see `baseTimestamp64`). */
  readonly baseTimestamp: number;
  readonly baseTimestamp64: bigint;
  readonly maxTimestamp: number;
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly count: number;
};

/**
 * The header of the batch at `at`; `partial` when the bytes end inside it (a fetch response cuts
 * its last batch at the size limit: the rest comes with the next fetch).
 */
export function readBatchHeader(bytes: Uint8Array, at: number, end = bytes.length): BatchHeader | 'partial' {
  if (end - at < LOG_OVERHEAD) return 'partial';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const batchLength = view.getInt32(at + 8);
  const size = LOG_OVERHEAD + batchLength;
  if (batchLength < BATCH_HEADER_BYTES - LOG_OVERHEAD) {
    throw corrupt(`batch at byte ${at} declares ${batchLength} bytes, fewer than a header`);
  }
  if (end - at < size) return 'partial';
  const magic = view.getInt8(at + 16);
  if (magic !== 2)
    throw corrupt(`batch at byte ${at} has magic ${magic}; only RecordBatch v2 (magic 2) is read`);
  const attributes = view.getInt16(at + ATTRIBUTES_AT);
  return {
    baseOffset: view.getBigInt64(at),
    size,
    partitionLeaderEpoch: view.getInt32(at + 12),
    magic,
    crc: view.getUint32(at + CRC_AT),
    compression: attributes & 0x07,
    logAppendTime: (attributes & 0x08) !== 0,
    transactional: (attributes & 0x10) !== 0,
    control: (attributes & 0x20) !== 0,
    lastOffsetDelta: view.getInt32(at + 23),
    baseTimestamp: Number(view.getBigInt64(at + 27)),
    baseTimestamp64: view.getBigInt64(at + 27),
    maxTimestamp: Number(view.getBigInt64(at + 35)),
    producerId: view.getBigInt64(at + 43),
    producerEpoch: view.getInt16(at + 51),
    baseSequence: view.getInt32(at + 53),
    count: view.getInt32(at + 57),
  };
}

/** Whether the batch's CRC-32C (over attributes … the last record) matches. */
export function crcMatches(bytes: Uint8Array, at: number, header: BatchHeader): boolean {
  return crc32c(bytes, at + ATTRIBUTES_AT, at + header.size) === header.crc;
}

/**
 * One record as positions in the records' bytes: -1 length is a null key or value. Its offset is
 * the batch's baseOffset + offsetDelta (kept apart: no bigint per record).
 */
export type RecordRef = {
  offsetDelta: number;
  timestamp: number;
  keyStart: number;
  keyLength: number;
  valueStart: number;
  valueLength: number;
  headersStart: number;
  headerCount: number;
};

/**
 * Calls `visit` for each record of an uncompressed records section `records[start, end)` of a
 * batch with `header`. The same `RecordRef` object is reused for every record: copy what you keep.
 */
export function readRecords(
  records: Uint8Array,
  start: number,
  end: number,
  header: BatchHeader,
  visit: (record: Readonly<RecordRef>) => void,
): void {
  const reader = new VarintReader(records, start, end);
  const ref: RecordRef = {
    offsetDelta: 0,
    timestamp: 0,
    keyStart: 0,
    keyLength: -1,
    valueStart: 0,
    valueLength: -1,
    headersStart: 0,
    headerCount: 0,
  };
  for (let index = 0; index < header.count; index++) {
    const length = reader.varint();
    const recordEnd = reader.at + length;
    if (length < 0 || recordEnd > end) throw corrupt(`record ${index} runs past the end of its batch`);
    reader.at += 1; // record attributes: unused since 0.11
    const deltaAt = reader.at;
    const timestampDelta = reader.varlong();
    ref.offsetDelta = reader.varint();
    ref.timestamp = header.logAppendTime ? header.maxTimestamp : header.baseTimestamp + timestampDelta;
    // Numbers add exactly only within ±2^53: beyond (a producer's far-apart timestamps in one
    // batch) the sum is made in int64, so a rounded one never passes for a real time.
    if (!header.logAppendTime && !exactSum(header.baseTimestamp, timestampDelta, ref.timestamp)) {
      ref.timestamp = safeOrNaN(header.baseTimestamp64 + zigzag64(records, deltaAt));
    }
    ref.keyLength = reader.varint();
    ref.keyStart = reader.at;
    if (ref.keyLength > 0) reader.skip(ref.keyLength);
    ref.valueLength = reader.varint();
    ref.valueStart = reader.at;
    if (ref.valueLength > 0) reader.skip(ref.valueLength);
    ref.headerCount = reader.varint();
    ref.headersStart = reader.at;
    if (ref.headerCount < 0) throw corrupt(`record ${index} has ${ref.headerCount} headers`);
    for (let h = 0; h < ref.headerCount; h++) {
      const keyLength = reader.varint();
      if (keyLength > 0) reader.skip(keyLength);
      const valueLength = reader.varint();
      if (valueLength > 0) reader.skip(valueLength);
    }
    if (reader.at !== recordEnd)
      throw corrupt(`record ${index} declares ${length} bytes but holds ${reader.at - recordEnd + length}`);
    visit(ref);
  }
  if (reader.at !== end)
    throw corrupt(`batch has ${end - reader.at} bytes after its ${header.count} records`);
}

/**
 * The type of a control batch's record (0 abort, 1 commit), from its key (int16 version, int16
 * type), in the uncompressed records section `records[start, end)`; -1 when unreadable.
 */
export function controlRecordType(records: Uint8Array, start: number, end: number): number {
  const reader = new VarintReader(records, start, end);
  try {
    reader.varint(); // record length
    reader.skip(1); // record attributes
    reader.varlong(); // timestamp delta
    reader.varint(); // offset delta
    if (reader.varint() < 4) return -1;
    reader.skip(4);
  } catch {
    return -1;
  }
  return ((records[reader.at - 2] as number) << 8) | (records[reader.at - 1] as number);
}

/** Kafka's zigzag varints (protobuf style), read from a byte range with bounds checks. */
class VarintReader {
  at: number;
  readonly #bytes: Uint8Array;
  readonly #end: number;

  constructor(bytes: Uint8Array, start: number, end: number) {
    this.#bytes = bytes;
    this.at = start;
    this.#end = end;
  }

  skip(count: number): void {
    if (this.at + count > this.#end) throw corrupt(`a length of ${count} runs past the end of its batch`);
    this.at += count;
  }

  /** A zigzag varint of at most 5 bytes (int32). */
  varint(): number {
    let value = 0;
    let shift = 0;
    for (;;) {
      if (this.at >= this.#end) throw corrupt('a varint runs past the end of its batch');
      const byte = this.#bytes[this.at++] as number;
      value |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) break;
      shift += 7;
      if (shift > 28) throw corrupt('a varint is longer than 5 bytes');
    }
    return (value >>> 1) ^ -(value & 1);
  }

  /** A zigzag varlong of at most 10 bytes, as a number (exact within ±2^53: timestamp deltas). */
  varlong(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; ; i++) {
      if (this.at >= this.#end) throw corrupt('a varlong runs past the end of its batch');
      if (i === 10) throw corrupt('a varlong is longer than 10 bytes');
      const byte = this.#bytes[this.at++] as number;
      value += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) break;
      scale *= 128;
    }
    return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
  }
}

/** Whether `base + delta` was computed exactly: every part within the range numbers hold exactly. */
function exactSum(base: number, delta: number, sum: number): boolean {
  // A delta beyond ±2^52 was read from a varlong above 2^53: already rounded.
  return Number.isSafeInteger(base) && Math.abs(delta) < 2 ** 52 && Number.isSafeInteger(sum);
}

/** The zigzag varlong at `at` (already bounds-checked by the reader), exactly. */
function zigzag64(bytes: Uint8Array, at: number): bigint {
  let value = 0n;
  let shift = 0n;
  for (let i = at; ; i++) {
    const byte = bytes[i] as number;
    value |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) break;
    shift += 7n;
  }
  return BigInt.asIntN(64, (value >> 1n) ^ -(value & 1n));
}

/** An int64 time as a number when it holds exactly; NaN (a decode error where it is read) when not. */
function safeOrNaN(time: bigint): number {
  const number = Number(time);
  return Number.isSafeInteger(number) && BigInt(number) === time ? number : Number.NaN;
}

function corrupt(message: string): SluiceError {
  return new SluiceError(ErrorCode.decode, `corrupt record batch: ${message}`);
}
