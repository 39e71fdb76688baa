/** The slots' batch format, written: a partition's fetched records encoded for a worker slot. */
import type { BatchInfo } from '../core/index.ts';
import { ErrorCode, SluiceError } from '../errors/index.ts';
import {
  BYTES_PER_RECORD,
  DELTA32,
  H_BASE_OFFSET_64,
  H_BYTES_AT,
  H_BYTES_LENGTH,
  H_COUNT,
  H_MAGIC,
  H_OFFSET_ENCODING,
  H_PARTITION,
  H_SECTIONS,
  H_TOPIC_LENGTH,
  H_VERSION,
  HEADER_BYTES,
  INT64,
  MAGIC,
  SECTION_NAMES,
  sectionAt,
  VERSION,
} from './batch-format.ts';
import type { BufferPool } from './buffer-pool.ts';
import type { SlotTask } from './protocol.ts';

const MAX_BYTE_LENGTH = 2 ** 31 - 1;
/** Digits that always parse exactly into a double (10^15 < 2^53). */
const SAFE_DIGITS = 15;

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

/**
 * The slot task that reads `input`, encoded into a buffer from `pool`: release `task.buffer` to
 * the pool once the task settled, not before (the worker reads it until then).
 */
export function kafkaBatchTask(
  info: BatchInfo,
  input: BatchInput,
  pool: BufferPool,
): Extract<SlotTask, { type: 'kafka' }> {
  const encoded = encodeBatch(input, pool);
  return { type: 'kafka', info, buffer: encoded.buffer, byteLength: encoded.byteLength };
}
