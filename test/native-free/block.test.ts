import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compressBlock,
  decompressBlock,
  resetMatchTable,
  WILD_COPY_SLACK,
} from '../../native-free/lz4/block.ts';
import { decompressFrame } from '../../native-free/lz4/index.ts';

/** `size` bytes repeating a `period`-byte pattern: one long overlapping match up to the end. */
function periodic(size: number, period: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = i < period ? (i * 37 + 11) & 0xff : (bytes[i - period] as number);
  return bytes;
}

describe('lz4 block', () => {
  // First in this file on purpose: each test file gets fresh modules, so the decoder's reused
  // output buffer is still exactly 64 KB long, and this block only decodes because the frame
  // decoder makes room for WILD_COPY_SLACK bytes past the block.
  it('decodes a full 64 KB block ending in 5 literals into a fresh buffer', () => {
    const block = [
      // 'abcd', then a match (offset 4) up to byte 65,524: 4 + 15 + 256 × 255 + 221 = 65,520 bytes.
      0x4f,
      ...[0x61, 0x62, 0x63, 0x64],
      0x04,
      0x00,
      ...new Array<number>(256).fill(255),
      221,
      // No literals and a 7-byte match at 65,524, then 5 literals up to 65,536: the decoder
      // copies them 8 bytes at a time, so it writes 3 bytes past the block.
      0x03,
      0x04,
      0x00,
      0x50,
      ...[0x31, 0x32, 0x33, 0x34, 0x35],
    ];
    const size = [block.length & 0xff, block.length >>> 8, 0, 0];
    // A skippable frame after it, so the last literals are not at the end of the input either.
    const skippable = [0x50, 0x2a, 0x4d, 0x18, 16, 0, 0, 0, ...new Array<number>(16).fill(0)];
    const frame = Uint8Array.from([
      0x04,
      0x22,
      0x4d,
      0x18,
      0x60,
      0x40,
      0x82,
      ...size,
      ...block,
      0,
      0,
      0,
      0,
      ...skippable,
    ]);
    const output = decompressFrame(frame);
    expect(output.length).toBe(65_536);
    expect(Buffer.from(output.subarray(0, 8)).toString()).toBe('abcdabcd');
    expect(Buffer.from(output.subarray(65_516)).toString()).toBe('abcdabcdabcdabc12345');
  });

  it('decompressBlock writes at most WILD_COPY_SLACK bytes past its limit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 1, max: 40 }),
        fc.uint8Array({ maxLength: 40 }),
        (size, period, head) => {
          const input = periodic(size, period);
          input.set(head.subarray(0, size));
          resetMatchTable(size);
          const compressed = new Uint8Array(size + 64);
          const end = compressBlock(input, 0, size, 0, compressed, 0, compressed.length);
          expect(end).toBeGreaterThan(0);
          // Exactly limit + slack long, with the compressed block at the very end of its buffer.
          const block = compressed.slice(0, end);
          const output = new Uint8Array(size + WILD_COPY_SLACK);
          expect(decompressBlock(block, 0, block.length, output, 0, size, 0, 65_536)).toBe(size);
          expect(Buffer.compare(Buffer.from(output.subarray(0, size)), Buffer.from(input))).toBe(0);
        },
      ),
      { numRuns: 200, seed: 31337 },
    );
  });

  it('compressBlock never writes at or past dstLimit, and returns -1 when the block does not fit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3000 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 0, max: 3100 }),
        (size, period, room) => {
          const input = periodic(size, period);
          resetMatchTable(size);
          const dst = new Uint8Array(room + 32).fill(0xa5);
          const end = compressBlock(input, 0, size, 0, dst, 0, room);
          expect(dst.subarray(room).every((byte) => byte === 0xa5)).toBe(true);
          if (end >= 0) {
            expect(end).toBeLessThanOrEqual(room);
            const output = new Uint8Array(size + WILD_COPY_SLACK);
            expect(decompressBlock(dst, 0, end, output, 0, size, 0, 65_536)).toBe(size);
          } else {
            // It only gives up when the full compressed block would not fit.
            resetMatchTable(size);
            const roomy = new Uint8Array(size * 2 + 32);
            expect(compressBlock(input, 0, size, 0, roomy, 0, roomy.length)).toBeGreaterThan(room);
          }
        },
      ),
      { numRuns: 200, seed: 4711 },
    );
  });
});
