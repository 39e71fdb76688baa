import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CompressFrameOptions,
  compressFrame,
  decompressFrame,
  xxhash32,
} from '../../native-free/lz4/index.ts';
import { isSluiceError, type SluiceError } from '../../src/errors/index.ts';

const MAGIC = [0x04, 0x22, 0x4d, 0x18];

const u32 = (value: number): number[] => [
  value & 0xff,
  (value >>> 8) & 0xff,
  (value >>> 16) & 0xff,
  value >>> 24,
];

/** Magic number, FLG, BD, `extra` descriptor bytes and a correct HC. */
function header(flg = 0x60, bd = 0x40, extra: number[] = []): number[] {
  const descriptor = [flg, bd, ...extra];
  return [...MAGIC, ...descriptor, (xxhash32(Uint8Array.from(descriptor)) >>> 8) & 0xff];
}

/** A default-header frame holding one compressed block: header is bytes 0-6, the block's data starts at 11. */
function oneBlock(block: number[]): Uint8Array {
  return Uint8Array.from([...header(), ...u32(block.length), ...block, ...u32(0)]);
}

function decodeError(bytes: Uint8Array): SluiceError {
  try {
    decompressFrame(bytes);
  } catch (error) {
    if (isSluiceError(error)) return error;
    throw error;
  }
  throw new Error('decompressFrame did not throw');
}

function expectDecodeError(bytes: Uint8Array | number[], message: string): void {
  const error = decodeError(bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes));
  expect(error.code).toBe('SLUICE_DECODE');
  expect(error.message).toBe(message);
}

const hex8 = (value: number): string => `0x${value.toString(16).padStart(8, '0')}`;
const text = new TextEncoder().encode('one two three, one two three, one two three, one two three');
const emptyFrame = [...header(), ...u32(0)];

describe('decompressFrame: truncated input', () => {
  it('empty input', () => {
    expectDecodeError([], 'lz4 frame: truncated at byte 0: magic number needs 4 bytes, 0 left');
  });

  it('a partial magic number after a frame', () => {
    expectDecodeError(
      [...emptyFrame, 0x04, 0x22],
      'lz4 frame: truncated at byte 11: magic number needs 4 bytes, 2 left',
    );
  });

  it('a cut frame descriptor', () => {
    expectDecodeError(
      [...MAGIC, 0x60],
      'lz4 frame: truncated at byte 4: frame descriptor needs 2 bytes, 1 left',
    );
  });

  it('a frame descriptor cut inside its content size', () => {
    expectDecodeError(
      [...MAGIC, 0x68, 0x40, 1, 2, 3],
      'lz4 frame: truncated at byte 4: frame descriptor needs 11 bytes, 5 left',
    );
  });

  it('a cut block size (no EndMark)', () => {
    expectDecodeError(
      [...header(), 0, 0],
      'lz4 frame: truncated at byte 7: block size needs 4 bytes, 2 left',
    );
  });

  it('a block size pointing past the end of the input', () => {
    expectDecodeError(
      [...header(), ...u32(100), 1, 2, 3],
      'lz4 frame: truncated at byte 11: block data needs 100 bytes, 3 left',
    );
  });

  it('a frame truncated inside a block written by compressFrame', () => {
    const frame = compressFrame(text);
    const size = new DataView(frame.buffer).getUint32(7, true);
    expectDecodeError(
      frame.subarray(0, 16),
      `lz4 frame: truncated at byte 11: block data needs ${size} bytes, 5 left`,
    );
  });

  it('a cut block checksum', () => {
    expectDecodeError(
      [...header(0x70), ...u32(2), 0x10, 0x41, 1, 2],
      'lz4 frame: truncated at byte 13: block checksum needs 4 bytes, 2 left',
    );
  });

  it('a cut content checksum', () => {
    expectDecodeError(
      [...header(0x64), ...u32(0), 1, 2, 3],
      'lz4 frame: truncated at byte 11: content checksum needs 4 bytes, 3 left',
    );
  });

  it('a cut skippable frame size', () => {
    expectDecodeError(
      [0x50, 0x2a, 0x4d, 0x18, 1, 2],
      'lz4 frame: truncated at byte 4: skippable frame size needs 4 bytes, 2 left',
    );
  });

  it('a skippable frame size pointing past the end of the input', () => {
    expectDecodeError(
      [0x5a, 0x2a, 0x4d, 0x18, ...u32(10), 1, 2, 3],
      'lz4 frame: truncated at byte 8: skippable frame data needs 10 bytes, 3 left',
    );
  });
});

describe('decompressFrame: bad frame header', () => {
  it('bad magic number', () => {
    expectDecodeError(
      [0x04, 0x22, 0x4d, 0x19, 0x60, 0x40, 0x82],
      'lz4 frame: bad magic number 0x194d2204 at byte 0; expected 0x184d2204 (LZ4 frame) or 0x184d2a50-0x184d2a5f (skippable frame)',
    );
  });

  it('bad magic number of a second frame', () => {
    expectDecodeError(
      [...emptyFrame, 0xde, 0xad, 0xbe, 0xef],
      'lz4 frame: bad magic number 0xefbeadde at byte 11; expected 0x184d2204 (LZ4 frame) or 0x184d2a50-0x184d2a5f (skippable frame)',
    );
  });

  it('unsupported version', () => {
    expectDecodeError(
      [...header(0xa0), ...u32(0)],
      'lz4 frame: unsupported version 2 in FLG 0xa0 at byte 4; expected 1',
    );
  });

  it('reserved FLG bit set', () => {
    expectDecodeError([...header(0x62), ...u32(0)], 'lz4 frame: reserved bit set in FLG 0x62 at byte 4');
  });

  it('dictionary ID flag set', () => {
    expectDecodeError(
      [...header(0x61, 0x40, [1, 2, 3, 4]), ...u32(0)],
      'lz4 frame: dictionary ID flag set in FLG 0x61 at byte 4; dictionaries are not supported (Kafka never uses them)',
    );
  });

  it('reserved BD bits set', () => {
    expectDecodeError(
      [...header(0x60, 0x41), ...u32(0)],
      'lz4 frame: reserved bits set in BD 0x41 at byte 5',
    );
    expectDecodeError(
      [...header(0x60, 0xc0), ...u32(0)],
      'lz4 frame: reserved bits set in BD 0xc0 at byte 5',
    );
  });

  it('block maximum size code below 4', () => {
    expectDecodeError(
      [...header(0x60, 0x30), ...u32(0)],
      'lz4 frame: block maximum size code 3 in BD 0x30 at byte 5; expected 4-7 (64KB, 256KB, 1MB, 4MB)',
    );
  });

  it('header checksum mismatch', () => {
    const frame = compressFrame(text);
    frame[6] = 0x12;
    expectDecodeError(frame, 'lz4 frame: header checksum mismatch at byte 6 (expected 0x82, got 0x12)');
  });

  it('the header checksum Kafka before 0.10 wrote (hashing the magic number too) is rejected', () => {
    const frame = compressFrame(text);
    const broken = (xxhash32(frame.subarray(0, 6)) >>> 8) & 0xff;
    expect(broken).not.toBe(0x82);
    frame[6] = broken;
    expectDecodeError(
      frame,
      `lz4 frame: header checksum mismatch at byte 6 (expected 0x82, got 0x${broken.toString(16).padStart(2, '0')})`,
    );
  });
});

describe('decompressFrame: bad blocks and checksums', () => {
  it('block size above the block maximum size', () => {
    expectDecodeError(
      [...header(), ...u32(65_537)],
      'lz4 frame: block size 65537 at byte 7 exceeds the block maximum size of 65536 bytes',
    );
  });

  it('uncompressed block size above the block maximum size', () => {
    expectDecodeError(
      [...header(), ...u32(0x80000000 + 70_000)],
      'lz4 frame: block size 70000 at byte 7 exceeds the block maximum size of 65536 bytes',
    );
  });

  it('block checksum mismatch (data changed)', () => {
    const frame = compressFrame(text, { blockChecksum: true });
    const size = new DataView(frame.buffer).getUint32(7, true);
    const stored = new DataView(frame.buffer).getUint32(11 + size, true);
    frame[12] = (frame[12] as number) ^ 0x01;
    const expected = xxhash32(frame.subarray(11, 11 + size));
    expectDecodeError(
      frame,
      `lz4 frame: block checksum mismatch at byte ${11 + size} (expected ${hex8(expected)}, got ${hex8(stored)})`,
    );
  });

  it('content checksum mismatch', () => {
    const frame = compressFrame(text, { contentChecksum: true });
    const at = frame.length - 4;
    frame[at] = (frame[at] as number) ^ 0xff;
    const got = new DataView(frame.buffer).getUint32(at, true);
    expectDecodeError(
      frame,
      `lz4 frame: content checksum mismatch at byte ${at} (expected ${hex8(xxhash32(text))}, got ${hex8(got)})`,
    );
  });

  it('content size mismatch', () => {
    const frame = compressFrame(text, { contentSize: true });
    frame[6] = text.length + 1;
    frame[14] = (xxhash32(frame.subarray(4, 14)) >>> 8) & 0xff;
    expectDecodeError(
      frame,
      `lz4 frame: content size mismatch: the frame descriptor at byte 6 says ${text.length + 1} bytes, the blocks hold ${text.length}`,
    );
  });

  it('literals running past the end of the block', () => {
    expectDecodeError(
      oneBlock([0x50, 0x61, 0x62]),
      'lz4 frame: 5 literals at byte 12 run past the end of the block at byte 14 (sequence at byte 11)',
    );
  });

  it('a block ending inside a sequence', () => {
    expectDecodeError(
      oneBlock([0x10, 0x61, 0x01]),
      'lz4 frame: block ends at byte 14 inside the sequence at byte 11',
    );
    expectDecodeError(oneBlock([0xf0]), 'lz4 frame: block ends at byte 12 inside the sequence at byte 11');
    expectDecodeError(
      oneBlock([0x1f, 0x61, 0x01, 0x00, 0xff]),
      'lz4 frame: block ends at byte 16 inside the sequence at byte 11',
    );
  });

  it('match offset 0', () => {
    expectDecodeError(
      oneBlock([0x10, 0x61, 0x00, 0x00, 0x10, 0x62]),
      'lz4 frame: match offset 0 at byte 13 (sequence at byte 11)',
    );
  });

  it('a match reaching before the start of the block', () => {
    expectDecodeError(
      oneBlock([0x10, 0x61, 0x05, 0x00, 0x10, 0x62]),
      'lz4 frame: match offset 5 at byte 13 points before the data it may refer to (1 bytes available)',
    );
  });

  it('a linked block reaching into the frame before it', () => {
    const block = [0x10, 0x61, 0x05, 0x00, 0x10, 0x62];
    const linked = [...header(0x40), ...u32(block.length), ...block, ...u32(0)];
    expectDecodeError(
      [...compressFrame(text), ...linked],
      `lz4 frame: match offset 5 at byte ${compressFrame(text).length + 13} points before the data it may refer to (1 bytes available)`,
    );
  });

  it('a block decoding to more than the block maximum size', () => {
    // One literal, then a match of 70,000 bytes: 4 + 15 + 274 × 255 + 111.
    const lengthBytes = [...new Array<number>(274).fill(255), 111];
    expectDecodeError(
      oneBlock([0x1f, 0x61, 0x01, 0x00, ...lengthBytes, 0x10, 0x62]),
      'lz4 frame: sequence at byte 11 decodes past the block maximum size of 65536 bytes',
    );
  });

  it('a block ending with a match', () => {
    expectDecodeError(
      oneBlock([0x14, 0x61, 0x01, 0x00]),
      'lz4 frame: block ends at byte 15 after a match (sequence at byte 11); the last sequence must hold literals only',
    );
  });
});

describe('decompressFrame on damaged frames', () => {
  const options = fc.record({
    blockSize: fc.constantFrom('64KB', '256KB'),
    contentChecksum: fc.boolean(),
    blockChecksum: fc.boolean(),
    contentSize: fc.boolean(),
    blockIndependence: fc.boolean(),
  }) satisfies fc.Arbitrary<CompressFrameOptions>;

  /** Bytes with some repetition, so frames hold real sequences (not only stored blocks). */
  const content = fc
    .tuple(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.integer({ min: 0, max: 150_000 }), fc.integer())
    .map(([alphabet, length, seed]) => {
      const bytes = new Uint8Array(length);
      let state = seed >>> 0;
      for (let i = 0; i < length; i++) {
        state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
        bytes[i] =
          i > 8 && state >>> 30 !== 0
            ? (bytes[i - 1 - ((state >>> 8) % 8)] as number)
            : (alphabet[i % alphabet.length] as number);
      }
      return bytes;
    });

  it('throws only SLUICE_DECODE errors (never a RangeError, never a hang) for truncated or flipped frames', () => {
    fc.assert(
      fc.property(
        content,
        options,
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        fc.boolean(),
        (bytes, opts, at, xor, truncate) => {
          const frame = compressFrame(bytes, opts);
          const position = at % frame.length;
          let damaged: Uint8Array;
          if (truncate) {
            damaged = frame.subarray(0, position);
          } else {
            damaged = frame.slice();
            damaged[position] = (damaged[position] as number) ^ xor;
          }
          try {
            const out = decompressFrame(damaged);
            expect(out).toBeInstanceOf(Uint8Array);
          } catch (error) {
            if (!isSluiceError(error, 'SLUICE_DECODE')) throw error;
            expect(error.message).toMatch(/^lz4 frame: .* byte \d+/);
          }
        },
      ),
      { numRuns: 300, seed: 424242 },
    );
  });

  it('detects every flipped byte when the frame carries block and content checksums', () => {
    fc.assert(
      fc.property(content, fc.nat(), fc.integer({ min: 1, max: 255 }), (bytes, at, xor) => {
        const frame = compressFrame(bytes, { blockChecksum: true, contentChecksum: true });
        const damaged = frame.slice();
        const position = at % frame.length;
        damaged[position] = (damaged[position] as number) ^ xor;
        expect(decodeError(damaged).code).toBe('SLUICE_DECODE');
      }),
      { numRuns: 300, seed: 777 },
    );
  });

  it('throws only SLUICE_DECODE errors for random block contents behind a valid header', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 3000 }), fc.boolean(), (block, linked) => {
        const frame = Uint8Array.from([
          ...header(linked ? 0x40 : 0x60),
          ...u32(block.length),
          ...block,
          ...u32(0),
        ]);
        try {
          decompressFrame(frame);
        } catch (error) {
          if (!isSluiceError(error, 'SLUICE_DECODE')) throw error;
        }
      }),
      { numRuns: 300, seed: 99 },
    );
  });
});
