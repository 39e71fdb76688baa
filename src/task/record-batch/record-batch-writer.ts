// A Kafka RecordBatch v2 written in the slot, as a plain (non-idempotent, non-transactional) producer writes one.

import { GrowableBytes } from '../growable-bytes.ts';
import { compressRecords } from './compress.ts';
import { crc32c } from './crc32c.ts';
import { BATCH_HEADER_BYTES, COMPRESSION } from './record-batch.ts';

/**
 * Records appended one at a time (no headers, every timestamp the batch's), then the whole batch:
 * base offset 0 (the broker assigns offsets), producer id, epoch and sequence -1, CRC-32C over
 * the attributes onwards, the records compressed with the batch's codec.
 */
export class RecordBatchWriter {
  count = 0;
  readonly #out = new GrowableBytes();

  /** Bytes of the batch so far, uncompressed. */
  get size(): number {
    return BATCH_HEADER_BYTES + this.#out.length;
  }

  /**
   * Appends a record; `value` as text is written as its UTF-8, whose length in bytes `bytes`
   * gives (-1 for a null value).
   */
  append(key: Uint8Array | null, value: Uint8Array | string | null, bytes: number): void {
    const keyLength = key === null ? -1 : key.length;
    const body =
      2 + // attributes, timestamp delta 0
      varintSize(this.count) +
      varintSize(keyLength) +
      Math.max(keyLength, 0) +
      varintSize(bytes) +
      Math.max(bytes, 0) +
      1; // no headers
    const out = this.#out;
    out.reserve(5 + body);
    this.#varint(body);
    out.bytes[out.length++] = 0;
    out.bytes[out.length++] = 0;
    this.#varint(this.count);
    this.#varint(keyLength);
    if (key !== null) {
      out.bytes.set(key, out.length);
      out.length += keyLength;
    }
    this.#varint(bytes);
    if (typeof value === 'string') out.text(value);
    else if (value !== null) {
      out.bytes.set(value, out.length);
      out.length += value.length;
    }
    out.bytes[out.length++] = 0;
    this.count++;
  }

  /** The batch, its records compressed with Kafka codec `codec` (COMPRESSION), stamped `timestamp`. */
  finish(codec: number, timestamp: number): Uint8Array {
    const records = this.#out.bytes.subarray(0, this.#out.length);
    const section = codec === COMPRESSION.none ? records : compressRecords(codec, records);
    const out = new Uint8Array(BATCH_HEADER_BYTES + section.length);
    const view = new DataView(out.buffer);
    view.setBigInt64(0, 0n); // base offset
    view.setInt32(8, out.length - 12); // batch length: what follows it
    view.setInt32(12, -1); // partition leader epoch
    view.setInt8(16, 2); // magic
    view.setInt16(21, codec); // attributes: CreateTime, not transactional, not control
    view.setInt32(23, this.count - 1); // last offset delta
    view.setBigInt64(27, BigInt(timestamp)); // base timestamp
    view.setBigInt64(35, BigInt(timestamp)); // max timestamp
    view.setBigInt64(43, -1n); // producer id
    view.setInt16(51, -1); // producer epoch
    view.setInt32(53, -1); // base sequence
    view.setInt32(57, this.count);
    out.set(section, BATCH_HEADER_BYTES);
    view.setUint32(17, crc32c(out, 21, out.length));
    return out;
  }

  #varint(value: number): void {
    const out = this.#out;
    let zigzag = ((value << 1) ^ (value >> 31)) >>> 0;
    while (zigzag >= 0x80) {
      out.bytes[out.length++] = (zigzag & 0x7f) | 0x80;
      zigzag >>>= 7;
    }
    out.bytes[out.length++] = zigzag;
  }
}

/** Bytes of the zigzag varint of an int32. */
function varintSize(value: number): number {
  const zigzag = ((value << 1) ^ (value >> 31)) >>> 0;
  return zigzag < 0x80 ? 1 : zigzag < 0x4000 ? 2 : zigzag < 0x200000 ? 3 : zigzag < 0x10000000 ? 4 : 5;
}

/**
 * What a record of a key and a value of these lengths (-1: null) adds to a batch, at most: its
 * length, attributes, deltas and lengths as varints, and a header count of 0.
 */
export function recordBytes(keyLength: number, valueLength: number): number {
  return 5 + 2 + 5 + 5 + Math.max(keyLength, 0) + 5 + Math.max(valueLength, 0) + 1;
}
