// The LZ4 frame format v1.6.x (https://github.com/lz4/lz4/blob/dev/doc/lz4_Frame_format.md):
//   magic 0x184D2204 (LE) | FLG | BD | [content size, 8 bytes LE] | HC
//   { block size (4 bytes LE, high bit = stored uncompressed) | data | [block checksum] }*
//   EndMark (4 zero bytes) | [content checksum]
// Kafka's lz4 codec writes and reads exactly this, one frame per record batch.

import { ErrorCode, SluiceError } from '../../src/errors/index.ts';
import { compressBlock, decodeError, decompressBlock, resetMatchTable, WILD_COPY_SLACK } from './block.ts';
import { xxhash32Range } from './xxhash32.ts';

const MAGIC = 0x184d2204;
/** Skippable frames have magic numbers 0x184D2A50 to 0x184D2A5F. */
const SKIPPABLE_MAGIC = 0x184d2a50;
const UNCOMPRESSED_BIT = 0x8000_0000;

const FLG_VERSION_1 = 0x40;
const FLG_BLOCK_INDEPENDENCE = 0x20;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
const FLG_CONTENT_CHECKSUM = 0x04;
const FLG_RESERVED = 0x02;
const FLG_DICTIONARY_ID = 0x01;
const BD_RESERVED = 0x8f;

/** BD's block maximum size codes: 4 → 64 KB, 5 → 256 KB, 6 → 1 MB, 7 → 4 MB. */
const BLOCK_SIZE_CODES = { '64KB': 4, '256KB': 5, '1MB': 6, '4MB': 7 } as const;

export type BlockSize = keyof typeof BLOCK_SIZE_CODES;

export interface CompressFrameOptions {
  /** Block maximum size; default `'64KB'`, what Kafka's Java client writes. */
  readonly blockSize?: BlockSize;
  /** Append xxHash32 of the whole content; default false (Kafka's Java client never writes it). */
  readonly contentChecksum?: boolean;
  /** Append xxHash32 of each block's stored bytes; default false. */
  readonly blockChecksum?: boolean;
  /** Write the content size into the frame descriptor; default false. */
  readonly contentSize?: boolean;
  /**
   * Default true. `false` writes linked blocks, whose matches reach into earlier blocks: a little
   * smaller, but Kafka's Java client rejects them ("Dependent block stream is unsupported"), so
   * never use it for data bound for Kafka.
   */
  readonly blockIndependence?: boolean;
}

/** Buffers reused across calls (each call copies its result out), dropped when they grow large. */
const KEEP_SCRATCH_BYTES = 8 << 20;
let encodeScratch = new Uint8Array(1 << 16);
let decodeScratch = new Uint8Array(1 << 16);

function write32(dst: Uint8Array, at: number, value: number): void {
  dst[at] = value & 0xff;
  dst[at + 1] = (value >>> 8) & 0xff;
  dst[at + 2] = (value >>> 16) & 0xff;
  dst[at + 3] = value >>> 24;
}

function read32(src: Uint8Array, at: number): number {
  return (
    ((src[at] as number) |
      ((src[at + 1] as number) << 8) |
      ((src[at + 2] as number) << 16) |
      ((src[at + 3] as number) << 24)) >>>
    0
  );
}

/**
 * A plain Uint8Array over the same memory: Buffers (what kafkajs hands out) and Uint8Arrays have
 * different hidden classes, and the hot loops stay fastest when they only ever see one.
 */
function plain(bytes: Uint8Array): Uint8Array {
  return bytes.constructor === Uint8Array
    ? bytes
    : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function hex(value: number, digits: number): string {
  return `0x${value.toString(16).padStart(digits, '0')}`;
}

/**
 * Compresses `input` into one LZ4 frame. Blocks that do not shrink are stored uncompressed.
 *
 * @example
 * const frame = compressFrame(bytes); // what Kafka's lz4 codec writes: 64 KB independent blocks
 * const checked = compressFrame(bytes, { contentChecksum: true, blockSize: '256KB' });
 */
export function compressFrame(data: Uint8Array, options: CompressFrameOptions = {}): Uint8Array {
  const input = plain(data);
  const blockSize = options.blockSize ?? '64KB';
  // hasOwn: a JavaScript caller's 'toString' must not find Object.prototype's.
  const code = Object.hasOwn(BLOCK_SIZE_CODES, blockSize) ? BLOCK_SIZE_CODES[blockSize] : undefined;
  if (code === undefined) {
    throw new SluiceError(
      ErrorCode.usage,
      `lz4 blockSize must be one of ${Object.keys(BLOCK_SIZE_CODES).join(', ')}; got ${JSON.stringify(blockSize)}`,
    );
  }
  const blockMax = 1 << (2 * code + 8);
  const independent = options.blockIndependence !== false;
  const blockChecksum = options.blockChecksum === true;
  const contentSize = options.contentSize === true;
  const contentChecksum = options.contentChecksum === true;
  const length = input.length;

  // Header ≤ 15 bytes; each block adds a size and maybe a checksum to at most its own length.
  const bound = 15 + length + Math.ceil(length / blockMax) * 8 + 8;
  let out = encodeScratch;
  if (out.length < bound) {
    out = new Uint8Array(Math.max(bound, out.length * 2));
    if (out.length <= KEEP_SCRATCH_BYTES) encodeScratch = out;
  }

  write32(out, 0, MAGIC);
  out[4] =
    FLG_VERSION_1 |
    (independent ? FLG_BLOCK_INDEPENDENCE : 0) |
    (blockChecksum ? FLG_BLOCK_CHECKSUM : 0) |
    (contentSize ? FLG_CONTENT_SIZE : 0) |
    (contentChecksum ? FLG_CONTENT_CHECKSUM : 0);
  out[5] = code << 4;
  let op = 6;
  if (contentSize) {
    write32(out, 6, length >>> 0);
    write32(out, 10, Math.floor(length / 0x1_0000_0000));
    op = 14;
  }
  out[op] = (xxhash32Range(out, 4, op, 0) >>> 8) & 0xff;
  op++;

  resetMatchTable(length);
  for (let start = 0; start < length; start += blockMax) {
    const end = Math.min(start + blockMax, length);
    const dataAt = op + 4;
    // Stored compressed only if it comes out smaller, as Kafka's Lz4BlockOutputStream does.
    let dataEnd = compressBlock(
      input,
      start,
      end,
      independent ? start : 0,
      out,
      dataAt,
      dataAt + (end - start) - 1,
    );
    if (dataEnd < 0) {
      out.set(input.subarray(start, end), dataAt);
      dataEnd = dataAt + (end - start);
      write32(out, op, (end - start) | UNCOMPRESSED_BIT);
    } else {
      write32(out, op, dataEnd - dataAt);
    }
    op = dataEnd;
    if (blockChecksum) {
      write32(out, op, xxhash32Range(out, dataAt, dataEnd, 0));
      op += 4;
    }
  }
  write32(out, op, 0);
  op += 4;
  if (contentChecksum) {
    write32(out, op, xxhash32Range(input, 0, length, 0));
    op += 4;
  }
  return out.slice(0, op);
}

/** The output of decompressFrame while it grows. */
interface Sink {
  bytes: Uint8Array<ArrayBuffer>;
  length: number;
}

function ensureCapacity(sink: Sink, capacity: number): void {
  if (capacity <= sink.bytes.length) return;
  const grown = new Uint8Array(Math.max(capacity, sink.bytes.length * 2));
  grown.set(sink.bytes.subarray(0, sink.length));
  sink.bytes = grown;
}

function need(input: Uint8Array, at: number, count: number, what: string): void {
  if (at + count > input.length) {
    throw decodeError(
      `truncated at byte ${at}: ${what} needs ${count} bytes, ${Math.max(0, input.length - at)} left`,
    );
  }
}

/**
 * Decompresses one or more concatenated LZ4 frames (skippable frames are skipped) and returns
 * their content. Checks everything the frame declares: header checksum, block and content
 * checksums, content size, block maximum size. Linked blocks are supported; dictionaries are not.
 * Malformed input throws a SluiceError with code SLUICE_DECODE naming the problem and its byte.
 *
 * @example
 * const records = decompressFrame(batch.records); // a Kafka batch compressed with lz4
 */
export function decompressFrame(data: Uint8Array): Uint8Array {
  const input = plain(data);
  const sink: Sink = { bytes: decodeScratch, length: 0 };
  let pos = 0;
  do {
    need(input, pos, 4, 'magic number');
    const magic = read32(input, pos);
    if (magic === MAGIC) {
      pos = decodeFrame(input, pos, sink);
    } else if ((magic & 0xffff_fff0) >>> 0 === SKIPPABLE_MAGIC) {
      need(input, pos + 4, 4, 'skippable frame size');
      const size = read32(input, pos + 4);
      need(input, pos + 8, size, 'skippable frame data');
      pos += 8 + size;
    } else {
      throw decodeError(
        `bad magic number ${hex(magic, 8)} at byte ${pos}; expected 0x184d2204 (LZ4 frame) or 0x184d2a50-0x184d2a5f (skippable frame)`,
      );
    }
  } while (pos < input.length);
  if (sink.bytes.length <= KEEP_SCRATCH_BYTES) decodeScratch = sink.bytes;
  return sink.bytes.slice(0, sink.length);
}

/** Decodes the frame whose magic number is at `start`; returns the position after it. */
function decodeFrame(input: Uint8Array, start: number, sink: Sink): number {
  const flgAt = start + 4;
  need(input, flgAt, 2, 'frame descriptor');
  const flg = input[flgAt] as number;
  const bd = input[flgAt + 1] as number;
  if (flg >>> 6 !== 1) {
    throw decodeError(`unsupported version ${flg >>> 6} in FLG ${hex(flg, 2)} at byte ${flgAt}; expected 1`);
  }
  if ((flg & FLG_RESERVED) !== 0) {
    throw decodeError(`reserved bit set in FLG ${hex(flg, 2)} at byte ${flgAt}`);
  }
  if ((flg & FLG_DICTIONARY_ID) !== 0) {
    throw decodeError(
      `dictionary ID flag set in FLG ${hex(flg, 2)} at byte ${flgAt}; dictionaries are not supported (Kafka never uses them)`,
    );
  }
  if ((bd & BD_RESERVED) !== 0) {
    throw decodeError(`reserved bits set in BD ${hex(bd, 2)} at byte ${flgAt + 1}`);
  }
  const code = bd >>> 4;
  if (code < 4) {
    throw decodeError(
      `block maximum size code ${code} in BD ${hex(bd, 2)} at byte ${flgAt + 1}; expected 4-7 (64KB, 256KB, 1MB, 4MB)`,
    );
  }
  const blockMax = 1 << (2 * code + 8);
  const hasContentSize = (flg & FLG_CONTENT_SIZE) !== 0;
  const hcAt = flgAt + (hasContentSize ? 10 : 2);
  need(input, flgAt, hcAt + 1 - flgAt, 'frame descriptor');
  // HC is the second byte of xxHash32 over the descriptor from FLG on. Kafka before 0.10 (message
  // format v0/v1) hashed the magic number too; its Java client still accepts that broken HC for
  // such old batches, but Sluice reads only format v2 batches, so only the correct HC is accepted.
  const expectedHc = (xxhash32Range(input, flgAt, hcAt, 0) >>> 8) & 0xff;
  const hc = input[hcAt] as number;
  if (hc !== expectedHc) {
    throw decodeError(
      `header checksum mismatch at byte ${hcAt} (expected ${hex(expectedHc, 2)}, got ${hex(hc, 2)})`,
    );
  }
  // Content size as a double: exact up to 2^53, far beyond any buffer this could decode into.
  const contentSize = hasContentSize
    ? read32(input, flgAt + 2) + read32(input, flgAt + 6) * 0x1_0000_0000
    : -1;

  const independent = (flg & FLG_BLOCK_INDEPENDENCE) !== 0;
  const blockChecksum = (flg & FLG_BLOCK_CHECKSUM) !== 0;
  const frameStart = sink.length;
  // Preallocate only what the remaining input could decode to (each byte yields < 255).
  if (contentSize > 0) ensureCapacity(sink, frameStart + Math.min(contentSize, (input.length - hcAt) * 255));
  let pos = hcAt + 1;
  for (;;) {
    need(input, pos, 4, 'block size');
    const word = read32(input, pos);
    if (word === 0) {
      pos += 4;
      break;
    }
    const size = word & 0x7fff_ffff;
    if (size > blockMax) {
      throw decodeError(
        `block size ${size} at byte ${pos} exceeds the block maximum size of ${blockMax} bytes`,
      );
    }
    const dataAt = pos + 4;
    need(input, dataAt, size, 'block data');
    const dataEnd = dataAt + size;
    if (blockChecksum) {
      need(input, dataEnd, 4, 'block checksum');
      const expected = xxhash32Range(input, dataAt, dataEnd, 0);
      const actual = read32(input, dataEnd);
      if (actual !== expected) {
        throw decodeError(
          `block checksum mismatch at byte ${dataEnd} (expected ${hex(expected, 8)}, got ${hex(actual, 8)})`,
        );
      }
    }
    if (word >= UNCOMPRESSED_BIT) {
      ensureCapacity(sink, sink.length + size);
      sink.bytes.set(input.subarray(dataAt, dataEnd), sink.length);
      sink.length += size;
    } else {
      const limit = sink.length + Math.min(blockMax, size * 255);
      ensureCapacity(sink, limit + WILD_COPY_SLACK);
      sink.length = decompressBlock(
        input,
        dataAt,
        dataEnd,
        sink.bytes,
        sink.length,
        limit,
        independent ? sink.length : frameStart,
        blockMax,
      );
    }
    pos = dataEnd + (blockChecksum ? 4 : 0);
  }

  if ((flg & FLG_CONTENT_CHECKSUM) !== 0) {
    need(input, pos, 4, 'content checksum');
    const expected = xxhash32Range(sink.bytes, frameStart, sink.length, 0);
    const actual = read32(input, pos);
    if (actual !== expected) {
      throw decodeError(
        `content checksum mismatch at byte ${pos} (expected ${hex(expected, 8)}, got ${hex(actual, 8)})`,
      );
    }
    pos += 4;
  }
  if (contentSize >= 0 && sink.length - frameStart !== contentSize) {
    throw decodeError(
      `content size mismatch: the frame descriptor at byte ${flgAt + 2} says ${contentSize} bytes, the blocks hold ${sink.length - frameStart}`,
    );
  }
  return pos;
}
