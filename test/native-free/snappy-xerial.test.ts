// The xerial framing reader shared by the main thread's codec and the slots, with a bound on its output.
import { describe, expect, it } from 'vitest';
import { isXerialFramed, uncompressXerial } from '../../native-free/snappy/index.ts';
import { compressXerial, selectCodecs } from '../../src/codecs/index.ts';

const block = selectCodecs('off').snappy;
const raw = (input: Uint8Array, maxBytes: number) => {
  const out = block.uncompress(input);
  expect(maxBytes).toBeGreaterThanOrEqual(0);
  return out;
};

const failure = (message: string) => expect.objectContaining({ code: 'SLUICE_DECODE', message });

describe('uncompressXerial', () => {
  const input = Buffer.alloc(70_000, 'abcdefgh');
  const framed = compressXerial(input, block);

  it('reads every chunk of a framed stream into one buffer', () => {
    expect(isXerialFramed(framed)).toBe(true);
    expect(Buffer.from(uncompressXerial(framed, raw)).equals(input)).toBe(true);
  });

  it('hands each block what is left of the bound', () => {
    const seen: number[] = [];
    uncompressXerial(
      framed,
      (bytes, maxBytes) => {
        seen.push(maxBytes);
        return block.uncompress(bytes);
      },
      100_000,
    );
    expect(seen).toEqual([100_000, 100_000 - 32_768, 100_000 - 65_536]);
  });

  it('refuses output past maxBytes, framed or plain', () => {
    expect(() => uncompressXerial(framed, raw, 69_999)).toThrow(
      failure('snappy: decompresses to more than the 69999 bytes allowed'),
    );
    expect(() => uncompressXerial(block.compress(input), raw, 1000)).toThrow(
      failure('snappy: decompresses to more than the 1000 bytes allowed'),
    );
    expect(uncompressXerial(framed, raw, 70_000).byteLength).toBe(70_000);
  });
});
