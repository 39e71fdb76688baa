import fc from 'fast-check';
import * as napi from 'lz4-napi';
import { describe, expect, it } from 'vitest';
import { xxhash32 } from '../../native-free/lz4/index.ts';

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

// Expected values computed with lz4-java's XXHash32 (the implementation Kafka's Java client
// uses), `XXHashFactory.safeInstance().hash32().hash(bytes, 0, length, seed)`.
const STRINGS: readonly [text: string, seed0: number, seed1: number][] = [
  ['', 0x02cc5d05, 0x0b2cb792],
  ['a', 0x550d7456, 0xf514706f],
  ['abc', 0x32d153ff, 0xaa3da8ff],
  ['message digest', 0x7c948494, 0x70768498],
  ['abcdefghijklmnopqrstuvwxyz', 0x63a14d5f, 0xcadf7a88],
  ['Nobody inspects the spammish repetition', 0xe2293b2f, 0x534469ea],
  ['The quick brown fox jumps over the lazy dog', 0xe85ea4de, 0x234f8471],
  ['1234567890'.repeat(8), 0x9c05f475, 0xd4ac0812],
];

/** xxHash's sanity buffer: byte i is the top byte of PRIME32_1^(2^i) mod 2^32. */
function sanityBuffer(length: number): Uint8Array {
  const buffer = new Uint8Array(length);
  let generator = 2654435761;
  for (let i = 0; i < length; i++) {
    buffer[i] = generator >>> 24;
    generator = Math.imul(generator, generator) >>> 0;
  }
  return buffer;
}

// Lengths around the 16-byte stripe and 4-byte lane boundaries; seeds 0 and PRIME32_1.
const SANITY: readonly [length: number, seed0: number, seedPrime: number][] = [
  [0, 0x02cc5d05, 0x36b78ae7],
  [1, 0xb85cbee5, 0xd5845d64],
  [4, 0x62730640, 0x969fc498],
  [14, 0xe5aa0ab4, 0x4481951d],
  [15, 0x16524340, 0xbded3172],
  [16, 0xa67a94d9, 0x65cccc3d],
  [17, 0xc23b989a, 0xd4a6c5ec],
  [31, 0x8d47c77a, 0x8684e057],
  [32, 0x487f215c, 0x52cd0c6b],
  [33, 0x525311b8, 0x3aaeb5e9],
  [100, 0x99d2ad7f, 0x1ba9a063],
  [222, 0xc8070816, 0xf3cfc852],
  [4096, 0x8ef83085, 0x6d79365c],
];

describe('xxhash32', () => {
  it.each(STRINGS)('hashes %j like lz4-java (seeds 0 and 1)', (text, seed0, seed1) => {
    expect(xxhash32(encode(text))).toBe(seed0);
    expect(xxhash32(encode(text), 1)).toBe(seed1);
  });

  it.each(SANITY)('hashes %i bytes of the sanity buffer like lz4-java', (length, seed0, seedPrime) => {
    const buffer = sanityBuffer(4096).subarray(0, length);
    expect(xxhash32(buffer)).toBe(seed0);
    expect(xxhash32(buffer, 2654435761)).toBe(seedPrime);
  });

  it('returns an unsigned 32-bit integer and takes the seed modulo 2^32', () => {
    expect(xxhash32(encode('Nobody inspects the spammish repetition'))).toBe(0xe2293b2f);
    expect(xxhash32(encode('abc'), 2 ** 32 + 1)).toBe(0xaa3da8ff);
    expect(xxhash32(encode('abc'), -1)).toBe(xxhash32(encode('abc'), 0xffffffff));
  });

  it('hashes a subarray by its own bytes, not the underlying buffer', () => {
    const buffer = sanityBuffer(300);
    const view = new Uint8Array(buffer.buffer, 7, 222);
    expect(xxhash32(view)).toBe(xxhash32(buffer.slice(7, 229)));
  });

  it('matches the content checksums lz4-napi writes into its frames', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        const frame = napi.compressFrameSync(Buffer.from(bytes), { contentChecksum: true });
        expect(xxhash32(bytes)).toBe(frame.readUInt32LE(frame.length - 4));
      }),
      { numRuns: 200, seed: 0x5eed },
    );
  });
});
