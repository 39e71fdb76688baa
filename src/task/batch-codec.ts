import { ErrorCode, SluiceError } from '../errors/index.ts';
import type { BufferPool } from './buffer-pool.ts';

/*
 * One partition batch as bytes, written by the main thread and read in place by a worker.
 * Byte order is the platform's: the buffer never leaves the process.
 *
 *   byte 0   header, 16 × u32 (64 bytes)
 *              [0] magic 0x534c5543 ("SLUC" read as a big-endian word)  [1] version (1)
 *              [2] count            [3] offset encoding: 1 = int32 delta from the base, 2 = int64
 *              [4..5] base offset (int64 at byte 16: the first record's offset, 0 when empty)
 *              [6] partition        [7] topic name length in bytes (UTF-8)
 *              [8..13] byte positions of the six record arrays below    [14] bytesAt  [15] bytesLength
 *   64       offsets      count × 8 bytes: Int32Array deltas in its first half, or BigInt64Array
 *   64 + 8n  timestamps   Float64Array (epoch ms)
 *   64 + 16n keyStart     Int32Array, relative to bytesAt
 *   64 + 20n keyLength    Int32Array, -1 = null key
 *   64 + 24n valueStart   Int32Array, relative to bytesAt
 *   64 + 28n valueLength  Int32Array, -1 = null value
 *   64 + 32n bytesAt      topic name, then every key and value, back to back
 *
 * Every array starts 8-byte aligned because the header is 64 bytes and each array is n × 4 or
 * n × 8 bytes, and n × 4 arrays come in pairs. The offsets slot is always 8 bytes per record so
 * the layout depends on the count alone; int32 deltas are the common case because parsing an
 * offset string to a number costs half of BigInt(string) (measured, docs/performance.md), and
 * the encoder falls back to int64 when a delta does not fit (gaps, unsorted input, huge offsets).
 */
const MAGIC = 0x534c5543;
const VERSION = 1;
const HEADER_BYTES = 64;
const BYTES_PER_RECORD = 32;
const DELTA32 = 1;
const INT64 = 2;
const MAX_BYTE_LENGTH = 2 ** 31 - 1;
/** Digits that always parse exactly into a double (10^15 < 2^53). */
const SAFE_DIGITS = 15;

const H_MAGIC = 0;
const H_VERSION = 1;
const H_COUNT = 2;
const H_OFFSET_ENCODING = 3;
const H_BASE_OFFSET_64 = 2;
const H_PARTITION = 6;
const H_TOPIC_LENGTH = 7;
const H_SECTIONS = 8;
const H_BYTES_AT = 14;
const H_BYTES_LENGTH = 15;

const SECTION_NAMES = [
  'offsets',
  'timestamps',
  'keyStart',
  'keyLength',
  'valueStart',
  'valueLength',
] as const;

/** A record as kafkajs's `eachBatch` hands it over (extra fields are ignored). */
export type KafkaMessageLike = {
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  /** Decimal int64, as kafkajs gives it. */
  readonly offset: string;
  /** Decimal epoch milliseconds, as kafkajs gives it. */
  readonly timestamp: string;
};

/** One partition's batch: kafkajs's `batch` object has this shape. */
export type BatchInput = {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly KafkaMessageLike[];
};

export type EncodedBatch = { buffer: SharedArrayBuffer; byteLength: number; count: number };

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

/**
 * Encodes a partition batch into a SharedArrayBuffer (from `pool` when given) for a worker to
 * read with {@link BatchView}. Per record it copies key and value bytes and writes four
 * numbers; it allocates nothing per record. Release the buffer to the pool only after the
 * worker task reading it has settled.
 *
 * @example
 * const encoded = encodeBatch({ topic: batch.topic, partition: batch.partition, messages: batch.messages }, pool);
 * await slot.run({ type: 'batch', buffer: encoded.buffer, byteLength: encoded.byteLength });
 * pool.release(encoded.buffer);
 */
export function encodeBatch(input: BatchInput, pool?: BufferPool): EncodedBatch {
  return encodeBatchWith(input, (bytes) => (pool ? pool.acquire(bytes) : new SharedArrayBuffer(bytes)));
}

/**
 * {@link encodeBatch} into any buffer `allocate` returns (at least the requested bytes): a
 * plain ArrayBuffer for a transfer-list transport, say.
 */
export function encodeBatchWith<B extends ArrayBuffer | SharedArrayBuffer>(
  input: BatchInput,
  allocate: (minBytes: number) => B,
): { buffer: B; byteLength: number; count: number } {
  const { topic, partition, messages } = input;
  const count = messages.length;
  if (!Number.isInteger(partition) || partition < 0 || partition > 0x7fffffff) {
    throw new SluiceError(
      ErrorCode.decode,
      `cannot encode batch of ${topic}: partition ${partition} is not an int32 >= 0`,
    );
  }
  const topicBytes = textEncoder.encode(topic);
  let dataBytes = topicBytes.length;
  for (let i = 0; i < count; i++) {
    const message = messages[i] as KafkaMessageLike;
    if (message.key !== null) dataBytes += message.key.length;
    if (message.value !== null) dataBytes += message.value.length;
  }
  const bytesAt = HEADER_BYTES + BYTES_PER_RECORD * count;
  const byteLength = bytesAt + dataBytes;
  if (byteLength > MAX_BYTE_LENGTH) {
    throw new SluiceError(
      ErrorCode.decode,
      `cannot encode batch of ${topic}-${partition}: ${count} records need ${byteLength} bytes; at most ${MAX_BYTE_LENGTH} fit`,
    );
  }
  const buffer = allocate(byteLength);
  if (buffer.byteLength < byteLength) {
    throw new RangeError(`allocate(${byteLength}) returned a buffer of ${buffer.byteLength} bytes`);
  }

  const header = new Uint32Array(buffer, 0, HEADER_BYTES / 4);
  header[H_MAGIC] = MAGIC;
  header[H_VERSION] = VERSION;
  header[H_COUNT] = count;
  header[H_PARTITION] = partition;
  header[H_TOPIC_LENGTH] = topicBytes.length;
  for (let s = 0; s < SECTION_NAMES.length; s++) header[H_SECTIONS + s] = sectionAt(s, count);
  header[H_BYTES_AT] = bytesAt;
  header[H_BYTES_LENGTH] = dataBytes;

  const timestamps = new Float64Array(buffer, sectionAt(1, count), count);
  const keyStart = new Int32Array(buffer, sectionAt(2, count), count);
  const keyLength = new Int32Array(buffer, sectionAt(3, count), count);
  const valueStart = new Int32Array(buffer, sectionAt(4, count), count);
  const valueLength = new Int32Array(buffer, sectionAt(5, count), count);
  // Into shared memory V8 copies byte by byte unless source and target share their alignment
  // mod 8, which Kafka's fetch-buffer slices rarely do: 100-byte values copy ~3× slower than
  // into an ArrayBuffer. So stage the bytes in a private buffer and copy them over in one
  // aligned block (measured, docs/performance.md).
  const shared = buffer instanceof SharedArrayBuffer;
  const bytes = shared ? stagingBytes(dataBytes) : new Uint8Array(buffer, bytesAt, dataBytes);
  bytes.set(topicBytes, 0);
  let position = topicBytes.length;
  for (let i = 0; i < count; i++) {
    const message = messages[i] as KafkaMessageLike;
    const ts = message.timestamp;
    const fast = ts.length <= SAFE_DIGITS ? parseDigits(ts) : -1;
    const parsed = fast >= 0 ? fast : Number(ts);
    // Kafka's int64 beyond 2^53 would round to another number: kept as NaN, read as a decode error.
    timestamps[i] = Number.isSafeInteger(parsed) ? parsed : Number.NaN;
    const { key, value } = message;
    keyStart[i] = position;
    if (key === null) {
      keyLength[i] = -1;
    } else {
      bytes.set(key, position);
      keyLength[i] = key.length;
      position += key.length;
    }
    valueStart[i] = position;
    if (value === null) {
      valueLength[i] = -1;
    } else {
      bytes.set(value, position);
      valueLength[i] = value.length;
      position += value.length;
    }
  }

  if (shared) new Uint8Array(buffer, bytesAt, dataBytes).set(bytes.subarray(0, dataBytes));

  const base = count === 0 ? 0n : parseOffset(input, 0);
  new BigInt64Array(buffer, 0, HEADER_BYTES / 8)[H_BASE_OFFSET_64] = base;
  const encoding = writeDeltas(messages, base, new Int32Array(buffer, HEADER_BYTES, count)) ? DELTA32 : INT64;
  if (encoding === INT64) {
    const offsets = new BigInt64Array(buffer, HEADER_BYTES, count);
    for (let i = 0; i < count; i++) offsets[i] = parseOffset(input, i);
  }
  header[H_OFFSET_ENCODING] = encoding;
  return { buffer, byteLength, count };
}

/** Staging kept between batches up to this size; a larger batch stages in a one-off buffer. */
const MAX_KEPT_STAGING = 16 * 1024 * 1024;
let staging = new Uint8Array(0);

/** This thread's staging buffer, grown to a power of two of at least `size` bytes. */
function stagingBytes(size: number): Uint8Array {
  if (staging.length >= size) return staging;
  let length = 64 * 1024;
  while (length < size) length *= 2;
  if (length > MAX_KEPT_STAGING) return new Uint8Array(size);
  staging = new Uint8Array(length);
  return staging;
}

/** Byte position of record section `index` (see SECTION_NAMES) for `count` records. */
function sectionAt(index: number, count: number): number {
  return HEADER_BYTES + (index === 0 ? 0 : index === 1 ? 8 * count : 16 * count + 4 * (index - 2) * count);
}

/** Writes int32 deltas from `base`; false when some offset does not fit that encoding. */
function writeDeltas(messages: readonly KafkaMessageLike[], base: bigint, deltas: Int32Array): boolean {
  if (base < 0n || base >= 10n ** BigInt(SAFE_DIGITS)) return false;
  const baseNumber = Number(base);
  for (let i = 0; i < messages.length; i++) {
    const offset = (messages[i] as KafkaMessageLike).offset;
    const n = offset.length <= SAFE_DIGITS ? parseDigits(offset) : -1;
    if (n < 0) return false;
    const delta = n - baseNumber;
    if (delta > 0x7fffffff || delta < -0x80000000) return false;
    deltas[i] = delta;
  }
  return true;
}

function parseOffset(input: BatchInput, index: number): bigint {
  const text = (input.messages[index] as KafkaMessageLike).offset;
  const offset = /^-?\d+$/.test(text) ? BigInt(text) : null;
  if (offset === null || BigInt.asIntN(64, offset) !== offset) {
    throw new SluiceError(
      ErrorCode.decode,
      `cannot encode batch of ${input.topic}-${input.partition}: record ${index} has offset "${text}"; expected a decimal int64`,
    );
  }
  return offset;
}

/** Non-negative decimal digits to a number (exact up to 15 digits); -1 for anything else. */
function parseDigits(text: string): number {
  if (text.length === 0) return -1;
  let n = 0;
  for (let j = 0; j < text.length; j++) {
    const digit = text.charCodeAt(j) - 48;
    if (digit < 0 || digit > 9) return -1;
    n = n * 10 + digit;
  }
  return n;
}

function corrupt(message: string): SluiceError {
  return new SluiceError(ErrorCode.decode, message);
}

/**
 * Reads a batch written by {@link encodeBatch} in place: keys and values are views into the
 * buffer, valid while the buffer is not reused. The constructor checks the header and every
 * record's bounds, so a corrupt buffer fails here with `SLUICE_DECODE`, never later with
 * garbage.
 *
 * @example
 * const batch = new BatchView(buffer, byteLength);
 * for (let i = 0; i < batch.count; i++) counts.add((batch.valueJson(i) as { user: string }).user);
 */
export class BatchView {
  readonly count: number;
  readonly partition: number;
  readonly topic: string;
  readonly #base: bigint;
  readonly #deltas: Int32Array | null;
  readonly #offsets: BigInt64Array | null;
  readonly #timestamps: Float64Array;
  readonly #keyStart: Int32Array;
  readonly #keyLength: Int32Array;
  readonly #valueStart: Int32Array;
  readonly #valueLength: Int32Array;
  readonly #bytes: Uint8Array;

  constructor(buffer: SharedArrayBuffer | ArrayBuffer, byteLength: number) {
    if (!Number.isInteger(byteLength) || byteLength < HEADER_BYTES) {
      throw corrupt(`batch byteLength ${byteLength} is shorter than the ${HEADER_BYTES}-byte header`);
    }
    if (byteLength > buffer.byteLength) {
      throw corrupt(`batch byteLength ${byteLength} exceeds its buffer of ${buffer.byteLength} bytes`);
    }
    const header = new Uint32Array(buffer, 0, HEADER_BYTES / 4);
    const magic = header[H_MAGIC] as number;
    if (magic !== MAGIC) {
      throw corrupt(`batch magic is 0x${hex(magic)}; expected 0x${hex(MAGIC)}`);
    }
    const version = header[H_VERSION] as number;
    if (version !== VERSION) {
      throw corrupt(`batch version is ${version}; this reader supports version ${VERSION}`);
    }
    const encoding = header[H_OFFSET_ENCODING] as number;
    if (encoding !== DELTA32 && encoding !== INT64) {
      throw corrupt(
        `batch offset encoding is ${encoding}; expected ${DELTA32} (int32 delta) or ${INT64} (int64)`,
      );
    }
    const count = header[H_COUNT] as number;
    const bytesAt = HEADER_BYTES + BYTES_PER_RECORD * count;
    if (bytesAt > byteLength) {
      throw corrupt(
        `batch of ${count} records needs ${bytesAt} bytes before its keys and values; byteLength is ${byteLength}`,
      );
    }
    for (let s = 0; s < SECTION_NAMES.length; s++) {
      const at = header[H_SECTIONS + s] as number;
      if (at !== sectionAt(s, count)) {
        throw corrupt(
          `batch section ${SECTION_NAMES[s]} starts at ${at}; a batch of ${count} records puts it at ${sectionAt(s, count)}`,
        );
      }
    }
    if (header[H_BYTES_AT] !== bytesAt) {
      throw corrupt(
        `batch section bytes starts at ${header[H_BYTES_AT]}; a batch of ${count} records puts it at ${bytesAt}`,
      );
    }
    const bytesLength = header[H_BYTES_LENGTH] as number;
    if (bytesAt + bytesLength > byteLength) {
      throw corrupt(`batch keys and values end at ${bytesAt + bytesLength}, past byteLength ${byteLength}`);
    }
    const topicLength = header[H_TOPIC_LENGTH] as number;
    if (topicLength > bytesLength) {
      throw corrupt(
        `batch topic name of ${topicLength} bytes overruns the ${bytesLength} bytes of keys and values`,
      );
    }

    this.count = count;
    this.partition = header[H_PARTITION] as number;
    this.#base = new BigInt64Array(buffer, 0, HEADER_BYTES / 8)[H_BASE_OFFSET_64] as bigint;
    this.#deltas = encoding === DELTA32 ? new Int32Array(buffer, HEADER_BYTES, count) : null;
    this.#offsets = encoding === INT64 ? new BigInt64Array(buffer, HEADER_BYTES, count) : null;
    this.#timestamps = new Float64Array(buffer, sectionAt(1, count), count);
    this.#keyStart = new Int32Array(buffer, sectionAt(2, count), count);
    this.#keyLength = new Int32Array(buffer, sectionAt(3, count), count);
    this.#valueStart = new Int32Array(buffer, sectionAt(4, count), count);
    this.#valueLength = new Int32Array(buffer, sectionAt(5, count), count);
    this.#bytes = new Uint8Array(buffer, bytesAt, bytesLength);
    checkSpans('key', this.#keyStart, this.#keyLength, bytesLength);
    checkSpans('value', this.#valueStart, this.#valueLength, bytesLength);
    this.topic = textDecoder.decode(this.#bytes.subarray(0, topicLength));
  }

  /** The record's Kafka offset. */
  offset(index: number): bigint {
    this.#check(index);
    return this.#deltas
      ? this.#base + BigInt(this.#deltas[index] as number)
      : ((this.#offsets as BigInt64Array)[index] as bigint);
  }

  /** The record's timestamp in epoch milliseconds; a `SLUICE_DECODE` error beyond ±2^53. */
  timestamp(index: number): number {
    this.#check(index);
    const timestamp = this.#timestamps[index] as number;
    if (Number.isNaN(timestamp)) {
      throw new SluiceError(
        ErrorCode.decode,
        `the Kafka timestamp lies beyond ±${Number.MAX_SAFE_INTEGER} ms, where a number cannot hold it exactly`,
      );
    }
    return timestamp;
  }

  /** The key bytes (a view, not a copy), or null. */
  key(index: number): Uint8Array | null {
    this.#check(index);
    return span(this.#bytes, this.#keyStart[index] as number, this.#keyLength[index] as number);
  }

  /** The value bytes (a view, not a copy), or null for a tombstone. */
  value(index: number): Uint8Array | null {
    this.#check(index);
    return span(this.#bytes, this.#valueStart[index] as number, this.#valueLength[index] as number);
  }

  /** The value decoded as UTF-8 (invalid sequences become U+FFFD), or null for a tombstone. */
  valueString(index: number): string | null {
    const value = this.value(index);
    return value === null ? null : textDecoder.decode(value);
  }

  /**
   * The value parsed as JSON, or `undefined` for a tombstone (so it differs from a JSON `null`).
   * Invalid JSON throws JSON.parse's SyntaxError unchanged: decode policy belongs to the caller.
   */
  valueJson(index: number): unknown {
    const text = this.valueString(index);
    return text === null ? undefined : JSON.parse(text);
  }

  #check(index: number): void {
    if (!(index >= 0 && index < this.count)) {
      throw new RangeError(`record index ${index} is outside [0, ${this.count})`);
    }
  }
}

function checkSpans(what: string, starts: Int32Array, lengths: Int32Array, bytesLength: number): void {
  for (let i = 0; i < starts.length; i++) {
    const start = starts[i] as number;
    const length = lengths[i] as number;
    if (length === -1) continue;
    if (length < -1) {
      throw corrupt(`record ${i} ${what} length is ${length}; expected -1 (null) or >= 0`);
    }
    if (start < 0 || start + length > bytesLength) {
      throw corrupt(
        `record ${i} ${what} (start ${start}, length ${length}) lies outside the ${bytesLength} bytes of keys and values`,
      );
    }
  }
}

function span(bytes: Uint8Array, start: number, length: number): Uint8Array | null {
  return length < 0 ? null : bytes.subarray(start, start + length);
}

function hex(value: number): string {
  return value.toString(16).padStart(8, '0');
}
