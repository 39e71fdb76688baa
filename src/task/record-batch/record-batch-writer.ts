// A Kafka RecordBatch v2 written in the slot, as a plain (non-idempotent, non-transactional) producer writes one.

import { compressRecords } from './compress.ts';
import { crc32c } from './crc32c.ts';
import { BATCH_HEADER_BYTES, COMPRESSION } from './record-batch.ts';

const TEXT = new TextEncoder();

/**
 * Records appended one at a time (no headers, every timestamp the batch's), then the whole batch:
 * base offset 0 (the broker assigns offsets), producer id, epoch and sequence -1, CRC-32C over
 * the attributes onwards, the records compressed with the batch's codec.
 */
export class RecordBatchWriter {
  count = 0;
  #bytes = new Uint8Array(1024);
  #length = 0;

  /** Bytes of the batch so far, uncompressed. */
  get size(): number {
    return BATCH_HEADER_BYTES + this.#length;
  }

  /** Appends a record; `value` as text is written as its UTF-8. */
  append(key: Uint8Array | null, value: Uint8Array | string | null): void {
    const keyLength = key === null ? -1 : key.length;
    const bytes = typeof value === 'string' ? Buffer.byteLength(value) : value === null ? -1 : value.length;
    const body =
      2 + // attributes, timestamp delta 0
      varintSize(this.count) +
      varintSize(keyLength) +
      Math.max(keyLength, 0) +
      varintSize(bytes) +
      Math.max(bytes, 0) +
      1; // no headers
    this.#reserve(5 + body);
    this.#varint(body);
    this.#bytes[this.#length++] = 0;
    this.#bytes[this.#length++] = 0;
    this.#varint(this.count);
    this.#varint(keyLength);
    if (key !== null) {
      this.#bytes.set(key, this.#length);
      this.#length += keyLength;
    }
    this.#varint(bytes);
    if (typeof value === 'string') {
      this.#length += TEXT.encodeInto(value, this.#bytes.subarray(this.#length)).written;
    } else if (value !== null) {
      this.#bytes.set(value, this.#length);
      this.#length += value.length;
    }
    this.#bytes[this.#length++] = 0;
    this.count++;
  }

  /** The batch, its records compressed with Kafka codec `codec` (COMPRESSION), stamped `timestamp`. */
  finish(codec: number, timestamp: number): Uint8Array {
    const records = this.#bytes.subarray(0, this.#length);
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
    let zigzag = ((value << 1) ^ (value >> 31)) >>> 0;
    while (zigzag >= 0x80) {
      this.#bytes[this.#length++] = (zigzag & 0x7f) | 0x80;
      zigzag >>>= 7;
    }
    this.#bytes[this.#length++] = zigzag;
  }

  #reserve(extra: number): void {
    if (this.#length + extra <= this.#bytes.length) return;
    const grown = new Uint8Array(Math.max(this.#bytes.length * 2, this.#length + extra));
    grown.set(this.#bytes.subarray(0, this.#length));
    this.#bytes = grown;
  }
}

/** Bytes of the zigzag varint of an int32. */
function varintSize(value: number): number {
  const zigzag = ((value << 1) ^ (value >> 31)) >>> 0;
  return zigzag < 0x80 ? 1 : zigzag < 0x4000 ? 2 : zigzag < 0x200000 ? 3 : zigzag < 0x10000000 ? 4 : 5;
}
