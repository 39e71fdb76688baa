/** The slots' batch format: the byte layout the main thread writes and a worker reads in place. */

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
export const MAGIC = 0x534c5543;
export const VERSION = 1;
export const HEADER_BYTES = 64;
export const BYTES_PER_RECORD = 32;
export const DELTA32 = 1;
export const INT64 = 2;

export const H_MAGIC = 0;
export const H_VERSION = 1;
export const H_COUNT = 2;
export const H_OFFSET_ENCODING = 3;
export const H_BASE_OFFSET_64 = 2;
export const H_PARTITION = 6;
export const H_TOPIC_LENGTH = 7;
export const H_SECTIONS = 8;
export const H_BYTES_AT = 14;
export const H_BYTES_LENGTH = 15;

export const SECTION_NAMES = [
  'offsets',
  'timestamps',
  'keyStart',
  'keyLength',
  'valueStart',
  'valueLength',
] as const;

/** Byte position of record section `index` (see SECTION_NAMES) for `count` records. */
export function sectionAt(index: number, count: number): number {
  return HEADER_BYTES + (index === 0 ? 0 : index === 1 ? 8 * count : 16 * count + 4 * (index - 2) * count);
}
