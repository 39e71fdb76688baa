// The xerial framing Kafka's Java client writes for snappy (snappy-java's SnappyOutputStream), byte
// for byte, with both block implementations.
import { describe, expect, it } from 'vitest';
import {
  compressXerial,
  isXerialFramed,
  type SnappyBlock,
  selectCodecs,
  uncompressSnappy,
} from '../../src/codecs/index.ts';
import { isSluiceError } from '../../src/errors/index.ts';

// Printed by snappy-java 1.1.10.7 (Kafka 4.3.1's) for the same input:
//   new SnappyOutputStream(out).write("hello".getBytes(UTF_8)); close()
const JAVA_HELLO = '82534e4150505900' + '00000001' + '00000001' + '00000007' + '051068656c6c6f';
const JAVA_SLUICE_X4 = '82534e4150505900' + '00000001' + '00000001' + '0000000c' + '1b18736c75696365204e0700';

function failure(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isSluiceError(error, 'SLUICE_DECODE')) return error.message;
    throw error;
  }
  throw new Error('expected a SLUICE_DECODE error');
}

/** The chunks of a framed buffer: [compressed length, uncompressed length] each. */
function chunks(framed: Buffer, block: SnappyBlock): [number, number][] {
  const out: [number, number][] = [];
  for (let at = 16; at < framed.length; ) {
    const length = framed.readInt32BE(at);
    out.push([length, block.uncompress(framed.subarray(at + 4, at + 4 + length)).length]);
    at += 4 + length;
  }
  return out;
}

for (const mode of ['auto', 'off'] as const) {
  const block = selectCodecs(mode).snappy;

  describe(`xerial snappy with ${block.implementation}`, () => {
    it('writes exactly the bytes snappy-java writes: magic, version 1, compatible 1, [length][block]', () => {
      expect(compressXerial(Buffer.from('hello'), block).toString('hex')).toBe(JAVA_HELLO);
      expect(compressXerial(Buffer.from('sluice sluice sluice sluice'), block).toString('hex')).toBe(
        JAVA_SLUICE_X4,
      );
    });

    it('reads those bytes back', () => {
      expect(uncompressSnappy(Buffer.from(JAVA_HELLO, 'hex'), block).toString()).toBe('hello');
      expect(uncompressSnappy(Buffer.from(JAVA_SLUICE_X4, 'hex'), block).toString()).toBe(
        'sluice sluice sluice sluice',
      );
    });

    it('cuts the input into 32 KiB chunks, as SnappyOutputStream does', () => {
      const input = Buffer.alloc(70_000, 'abcdefgh');
      const framed = compressXerial(input, block);
      expect(chunks(framed, block).map(([, uncompressed]) => uncompressed)).toEqual([32_768, 32_768, 4464]);
      expect(uncompressSnappy(framed, block).equals(input)).toBe(true);
    });

    it('writes the header alone for empty input, and reads it as empty', () => {
      const framed = compressXerial(Buffer.alloc(0), block);
      expect(framed.toString('hex')).toBe('82534e41505059000000000100000001');
      expect(uncompressSnappy(framed, block).length).toBe(0);
    });

    it('reads a plain snappy block without the framing, as other clients write it', () => {
      expect(uncompressSnappy(Buffer.from('051068656c6c6f', 'hex'), block).toString()).toBe('hello');
      const input = Buffer.alloc(50_000, 'plain ');
      expect(uncompressSnappy(block.compress(input), block).equals(input)).toBe(true);
    });

    it('refuses a truncated chunk length', () => {
      const framed = Buffer.concat([Buffer.from(JAVA_HELLO, 'hex'), Buffer.from([0, 0])]);
      expect(failure(() => uncompressSnappy(framed, block))).toBe(
        'snappy: truncated chunk length at byte 27',
      );
    });

    it('refuses a chunk longer than what is left', () => {
      const framed = Buffer.from(JAVA_HELLO.replace('00000007051068', '00000009051068'), 'hex');
      expect(failure(() => uncompressSnappy(framed, block))).toBe(
        'snappy: chunk of 9 bytes at byte 16 overruns the 27-byte input',
      );
    });

    it('refuses a stream that needs a newer framing version', () => {
      const framed = Buffer.from(JAVA_HELLO.replace('0000000100000001', '0000000200000002'), 'hex');
      expect(failure(() => uncompressSnappy(framed, block))).toBe(
        'snappy: xerial framing needs version 2; this reader knows 1',
      );
    });

    it('throws on a block that is not snappy', () => {
      expect(() => uncompressSnappy(Buffer.from('ffffffffff0102', 'hex'), block)).toThrow();
    });
  });
}

describe('isXerialFramed', () => {
  it('looks at the 8-byte magic of a 16-byte header', () => {
    expect(isXerialFramed(Buffer.from(JAVA_HELLO, 'hex'))).toBe(true);
    expect(isXerialFramed(Buffer.from('82534e4150505900', 'hex'))).toBe(false);
    expect(isXerialFramed(Buffer.from('051068656c6c6f', 'hex'))).toBe(false);
  });
});
