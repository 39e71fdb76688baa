/** The slots' batch format, read: a worker's in-place view of a batch the main thread wrote. */
import type { Offset } from '../core/index.ts';
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

const textDecoder = new TextDecoder();

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
  offset(index: number): Offset {
    this.#check(index);
    return (
      this.#deltas
        ? this.#base + BigInt(this.#deltas[index] as number)
        : (this.#offsets as BigInt64Array)[index]
    ) as Offset;
  }

  /** The record's timestamp in epoch milliseconds; a `SLUICE_DECODE` error beyond ±2^53. */
  timestamp(index: number): number {
    this.#check(index);
    return exactTimestamp(this.#timestamps[index] as number);
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

/** A stored timestamp; NaN stands for one a number cannot hold exactly, a `SLUICE_DECODE` error. */
export function exactTimestamp(timestamp: number): number {
  if (Number.isNaN(timestamp)) {
    throw new SluiceError(
      ErrorCode.decode,
      `the Kafka timestamp lies beyond ±${Number.MAX_SAFE_INTEGER} ms, where a number cannot hold it exactly`,
    );
  }
  return timestamp;
}

function span(bytes: Uint8Array, start: number, length: number): Uint8Array | null {
  return length < 0 ? null : bytes.subarray(start, start + length);
}

function hex(value: number): string {
  return value.toString(16).padStart(8, '0');
}
