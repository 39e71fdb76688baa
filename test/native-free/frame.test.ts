import fc from 'fast-check';
import * as napi from 'lz4-napi';
import { describe, expect, it } from 'vitest';
import {
  type CompressFrameOptions,
  compressFrame,
  decompressFrame,
  xxhash32,
} from '../../native-free/lz4/index.ts';
import { isSluiceError } from '../../src/errors/index.ts';
import { random } from '../support/random.ts';

const RUNS = { numRuns: 200, seed: 20260101 } as const;

const SHAPES = ['random', 'events', 'runs', 'periodic', 'mixed'] as const;
type Shape = (typeof SHAPES)[number];
interface InputSpec {
  readonly shape: Shape;
  readonly size: number;
  readonly seed: number;
}

function fill(
  shape: Exclude<Shape, 'mixed'>,
  out: Uint8Array,
  from: number,
  to: number,
  next: () => number,
): void {
  if (shape === 'random') {
    for (let i = from; i < to; i++) out[i] = Math.floor(next() * 256);
  } else if (shape === 'events') {
    let text = '';
    while (text.length < to - from) {
      const ts = 1_767_225_600_000 + Math.floor(next() * 1e6);
      text += `{"ts":${ts},"user":"u${Math.floor(next() * 500)}","url":"/p/${Math.floor(next() * 50)}","status":${next() < 0.9 ? 200 : 404},"bytes":512,"latencyMs":${Math.floor(next() * 99)}}\n`;
    }
    out.set(new TextEncoder().encode(text).subarray(0, to - from), from);
  } else if (shape === 'runs') {
    for (let i = from; i < to; ) {
      const value = Math.floor(next() * 4);
      const end = Math.min(to, i + 1 + Math.floor(next() * 600));
      out.fill(value, i, end);
      i = end;
    }
  } else {
    // A random pattern of 1..40 bytes repeated: matches whose offset is shorter than their length.
    const period = 1 + Math.floor(next() * 40);
    for (let i = from; i < to; i++)
      out[i] = i - from < period ? Math.floor(next() * 256) : (out[i - period] as number);
  }
}

function makeInput({ shape, size, seed }: InputSpec): Uint8Array {
  const next = random(seed);
  const out = new Uint8Array(size);
  if (shape !== 'mixed') {
    fill(shape, out, 0, size, next);
    return out;
  }
  for (let i = 0; i < size; ) {
    const end = Math.min(size, i + 1 + Math.floor(next() * 40_000));
    fill(SHAPES[Math.floor(next() * 4)] as Exclude<Shape, 'mixed'>, out, i, end, next);
    i = end;
  }
  return out;
}

const sizes = fc.oneof(
  fc.integer({ min: 0, max: 64 }),
  fc.constantFrom(12, 13, 65_535, 65_536, 65_537, 131_072, 262_143, 262_144, 262_145, 300_000),
  fc.integer({ min: 0, max: 300_000 }),
);
const inputs = fc.record({ shape: fc.constantFrom(...SHAPES), size: sizes, seed: fc.integer() });
const frameOptions = fc.record({
  blockSize: fc.constantFrom('64KB', '256KB', '1MB', '4MB'),
  contentChecksum: fc.boolean(),
  blockChecksum: fc.boolean(),
  contentSize: fc.boolean(),
  blockIndependence: fc.boolean(),
}) satisfies fc.Arbitrary<CompressFrameOptions>;

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.length).toBe(expected.length);
  // One comparison instead of a per-byte diff of up to 300 KB.
  expect(Buffer.compare(asBuffer(actual), asBuffer(expected))).toBe(0);
}

/** Sets FLG and recomputes HC, so the frame reaches the blocks with the changed flags. */
function withFlg(frame: Uint8Array, flg: number): Uint8Array {
  // A copy: a Buffer's slice() is a view of it, and the fixture would change for the tests after.
  const copy = new Uint8Array(frame);
  copy[4] = flg;
  const hcAt = 6 + ((flg & 0x08) !== 0 ? 8 : 0);
  copy[hcAt] = (xxhash32(copy.subarray(4, hcAt)) >>> 8) & 0xff;
  return copy;
}

interface ParsedBlock {
  readonly stored: boolean;
  readonly data: Uint8Array;
}

/** Splits one frame with the given block checksum flag into its blocks. */
function parseBlocks(frame: Uint8Array): ParsedBlock[] {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const flg = frame[4] as number;
  let pos = 7 + ((flg & 0x08) !== 0 ? 8 : 0);
  const blocks: ParsedBlock[] = [];
  for (;;) {
    const word = view.getUint32(pos, true);
    if (word === 0) return blocks;
    const size = word & 0x7fffffff;
    blocks.push({ stored: word >= 0x80000000, data: frame.subarray(pos + 4, pos + 4 + size) });
    pos += 4 + size + ((flg & 0x10) !== 0 ? 4 : 0);
  }
}

/**
 * Checks the block format's rules for one compressed block and returns its decoded length:
 * offsets in 1..65535 and (for an independent block) inside the block, the last match starting
 * at least 12 bytes and ending at least 5 bytes before the end, the last sequence literals only.
 */
function checkSequences(block: Uint8Array): number {
  let ip = 0;
  let out = 0;
  const matches: [start: number, end: number][] = [];
  for (;;) {
    const token = block[ip++] as number;
    let literals = token >>> 4;
    if (literals === 15) {
      let more: number;
      do {
        more = block[ip++] as number;
        literals += more;
      } while (more === 255);
    }
    ip += literals;
    out += literals;
    if (ip === block.length) break;
    const offset = (block[ip] as number) | ((block[ip + 1] as number) << 8);
    ip += 2;
    let length = token & 15;
    if (length === 15) {
      let more: number;
      do {
        more = block[ip++] as number;
        length += more;
      } while (more === 255);
    }
    length += 4;
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThanOrEqual(out);
    matches.push([out, out + length]);
    out += length;
  }
  const last = matches.at(-1);
  if (last !== undefined) {
    expect(out - last[0]).toBeGreaterThanOrEqual(12);
    expect(out - last[1]).toBeGreaterThanOrEqual(5);
  }
  return out;
}

describe('compressFrame / decompressFrame round trips', () => {
  it('decompressFrame(compressFrame(x)) is x, for every option', () => {
    fc.assert(
      fc.property(inputs, frameOptions, (spec, options) => {
        const input = makeInput(spec);
        expectSameBytes(decompressFrame(compressFrame(input, options)), input);
      }),
      RUNS,
    );
  });

  it('decompressFrame reads what lz4-napi writes, with and without its checksums', () => {
    fc.assert(
      fc.property(inputs, fc.boolean(), fc.boolean(), (spec, contentChecksum, blockChecksums) => {
        const input = makeInput(spec);
        const frame = napi.compressFrameSync(asBuffer(input), { contentChecksum, blockChecksums });
        expectSameBytes(decompressFrame(frame), input);
      }),
      RUNS,
    );
  });

  it('lz4-napi reads what compressFrame writes, for every option', () => {
    fc.assert(
      fc.property(inputs, frameOptions, (spec, options) => {
        const input = makeInput(spec);
        expectSameBytes(napi.decompressFrameSync(asBuffer(compressFrame(input, options))), input);
      }),
      RUNS,
    );
  });

  it('round-trips short arbitrary byte strings both ways', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), frameOptions, (input, options) => {
        expectSameBytes(decompressFrame(compressFrame(input, options)), input);
        expectSameBytes(napi.decompressFrameSync(asBuffer(compressFrame(input, options))), input);
        expectSameBytes(decompressFrame(napi.compressFrameSync(asBuffer(input))), input);
      }),
      RUNS,
    );
  });

  it('writes full blocks that follow the block format rules, and stores a block only if it does not shrink', () => {
    fc.assert(
      fc.property(inputs, fc.constantFrom('64KB', '256KB'), fc.boolean(), (spec, blockSize, linked) => {
        const input = makeInput(spec);
        const blockMax = blockSize === '64KB' ? 65_536 : 262_144;
        const frame = compressFrame(input, { blockSize, blockIndependence: !linked });
        const blocks = parseBlocks(frame);
        expect(blocks.length).toBe(Math.ceil(input.length / blockMax));
        blocks.forEach((block, i) => {
          const expected = Math.min(blockMax, input.length - i * blockMax);
          if (block.stored) {
            expect(block.data.length).toBe(expected);
          } else {
            expect(block.data.length).toBeLessThan(expected);
            if (!linked) expect(checkSequences(block.data)).toBe(expected);
          }
        });
      }),
      RUNS,
    );
  });
});

describe('compressFrame output', () => {
  const text = new TextEncoder().encode('hello, hello, hello, hello, hello, hello!');

  it('writes what Kafka writes by default: FLG 0x60 (v1, independent blocks), BD 0x40 (64 KB), HC 0x82', () => {
    const frame = compressFrame(text);
    expect(hex(frame.subarray(0, 7))).toBe('04224d18604082');
    expect(hex(frame.subarray(-4))).toBe('00000000');
  });

  it('writes an empty frame for empty input, and both libraries read empty frames', () => {
    const empty = new Uint8Array(0);
    expect(hex(compressFrame(empty))).toBe('04224d1860408200000000');
    expect(decompressFrame(compressFrame(empty))).toEqual(empty);
    expect(decompressFrame(napi.compressFrameSync(Buffer.alloc(0)))).toEqual(empty);
    expect(napi.decompressFrameSync(asBuffer(compressFrame(empty))).length).toBe(0);
    expect(hex(compressFrame(empty, { contentChecksum: true, contentSize: true }))).toBe(
      `04224d186c40${'0000000000000000'}${hex(compressFrame(empty, { contentChecksum: true, contentSize: true }).subarray(14, 15))}00000000055dcc02`,
    );
  });

  it('writes the content size and the content checksum when asked', () => {
    const frame = compressFrame(text, { contentSize: true, contentChecksum: true });
    expect(frame[4]).toBe(0x6c);
    expect(new DataView(frame.buffer).getBigUint64(6, true)).toBe(BigInt(text.length));
    expect(frame[14]).toBe((xxhash32(frame.subarray(4, 14)) >>> 8) & 0xff);
    expect(new DataView(frame.buffer).getUint32(frame.length - 4, true)).toBe(xxhash32(text));
    expectSameBytes(decompressFrame(frame), text);
    expectSameBytes(napi.decompressFrameSync(asBuffer(frame)), text);
  });

  it('writes a block checksum of each block as stored', () => {
    const frame = compressFrame(text, { blockChecksum: true });
    expect(frame[4]).toBe(0x70);
    const [block] = parseBlocks(frame);
    if (block === undefined) throw new Error('no block');
    const checksumAt = block.data.byteOffset + block.data.length;
    expect(new DataView(frame.buffer).getUint32(checksumAt, true)).toBe(xxhash32(block.data));
  });

  it.each([
    ['64KB', 0x40, 5],
    ['256KB', 0x50, 2],
    ['1MB', 0x60, 1],
    ['4MB', 0x70, 1],
  ] as const)('blockSize %s sets BD %i and cuts 300,000 bytes into %i blocks', (blockSize, bd, count) => {
    const input = makeInput({ shape: 'events', size: 300_000, seed: 1 });
    const frame = compressFrame(input, { blockSize });
    expect(frame[5]).toBe(bd);
    expect(parseBlocks(frame).length).toBe(count);
    expectSameBytes(decompressFrame(frame), input);
  });

  it('stores incompressible blocks uncompressed, with the high bit of the block size set', () => {
    const input = makeInput({ shape: 'random', size: 100_000, seed: 7 });
    const frame = compressFrame(input);
    const view = new DataView(frame.buffer);
    expect(view.getUint32(7, true)).toBe(0x80000000 + 65_536);
    expect(view.getUint32(7 + 4 + 65_536, true)).toBe(0x80000000 + 34_464);
    expect(frame.length).toBe(7 + 4 + 65_536 + 4 + 34_464 + 4);
    expectSameBytes(decompressFrame(frame), input);
  });

  it('compresses a subarray of a larger buffer by its own bytes', () => {
    const input = makeInput({ shape: 'events', size: 5000, seed: 3 });
    const big = new Uint8Array(6000);
    big.set(input, 333);
    expect(hex(compressFrame(big.subarray(333, 5333)))).toBe(hex(compressFrame(input)));
    expect(hex(compressFrame(Buffer.from(input)))).toBe(hex(compressFrame(input)));
  });

  it('returns a new array on every call (its reused scratch buffers never leak out)', () => {
    const a = makeInput({ shape: 'events', size: 3000, seed: 1 });
    const b = makeInput({ shape: 'events', size: 3000, seed: 2 });
    const frameA = compressFrame(a);
    const copy = frameA.slice();
    const frameB = compressFrame(b);
    expect(hex(frameA)).toBe(hex(copy));
    const outA = decompressFrame(frameA);
    decompressFrame(frameB);
    expectSameBytes(outA, a);
  });

  it('rejects an unknown blockSize with SLUICE_USAGE', () => {
    const options = { blockSize: '128KB' } as unknown as CompressFrameOptions;
    expect(() => compressFrame(text, options)).toThrow(
      'lz4 blockSize must be one of 64KB, 256KB, 1MB, 4MB; got "128KB"',
    );
    let thrown: unknown;
    try {
      compressFrame(text, { blockSize: 'toString' } as unknown as CompressFrameOptions);
    } catch (error) {
      thrown = error;
    }
    expect(isSluiceError(thrown, 'SLUICE_USAGE')).toBe(true);
  });
});

describe('decompressFrame of frames from other writers', () => {
  /** The JSON events the Kafka fixture below was made from. */
  function kafkaFixtureInput(): Uint8Array {
    let text = '';
    for (let i = 0; text.length < 1024; i++) {
      text += `{"ts":${1767225600000 + i * 7},"user":"u${(i * 7919) % 1000}","url":"/p/${i % 100}","status":200,"bytes":512,"latencyMs":${i % 50}}`;
    }
    return new TextEncoder().encode(text.slice(0, 1024));
  }

  it("reads a frame written by Kafka 4.3.1's Java client (Compression.lz4(), record batch v2)", () => {
    const frame = Buffer.from(
      [
        'BCJNGGBAgk4BAADwAHsidHMiOjE3NjcyMjU2MAEA8AgsInVzZXIiOiJ1MCIsInVybCI6Ii9wLw0AkHN0YXR1cyI6MiYA/gpieXRl',
        'cyI6NTEyLCJsYXRlbmN5TXMiOjB9VAAWN1QAODkxOVYAHzFWABQeMVYAJjE0VgA4ODM4VgAfMlYAFB4yVgAmMjFWADg3NTdWAB8z',
        'VgAUHzNWAAAWOFYAODY3NlYAHzRWABQeNFYAJjM1VgA4NTk1VgAADQAPrgERHjVWACc0MlYAEDGfAAUEAgC5AA9WABEfNlYAABY5',
        'VgAgNDNLAQVWAABlAQ9WABEeN1YAJjU2VgAgMzX3AQVWAAARAg9WABEeOFYAJjYzVgAgMjejAgVWAAC9Ag9WABEeOVYAJjcwVgAg',
        'MTlPAwVWABAxDgAPVwARHzFeAwAXN14DIDEwoQAGWAAAvAAPWAAFUCJsYXRlAAAAAA==',
      ].join(''),
      'base64',
    );
    const input = kafkaFixtureInput();
    expectSameBytes(decompressFrame(frame), input);
    // Same header as ours: Kafka's defaults are ours.
    expect(hex(frame.subarray(0, 7))).toBe(hex(compressFrame(input).subarray(0, 7)));
  });

  /** 64 KB of zeros ending in 2 KB of noise, then that noise twice: the second block only refers back. */
  function linkedFixtureInput(): Uint8Array {
    const next = random(42);
    const noise = new Uint8Array(2048);
    for (let i = 0; i < noise.length; i++) noise[i] = Math.floor(next() * 256);
    const input = new Uint8Array(65_536 + 4096);
    input.set(noise, 65_536 - 2048);
    input.set(noise, 65_536);
    input.set(noise, 65_536 + 2048);
    return input;
  }

  // `lz4 -BD -B4 -BX --content-size` (lz4 CLI v1.9.4): linked 64 KB blocks, block checksums,
  // content size and (the CLI's default) content checksum.
  const LZ4_CLI_LINKED = Buffer.from(
    [
      'BCJNGFxAABABAAAAAACRBgkAAB8AAQD/////////////////////////////////////////////////////////////////////',
      '////////////////////////////////////////////////////////////////////////////////////////////////////',
      '////////////////////////////////////////////////////////////////////////////////////////////////////',
      '/////////////////////////////////////////////////////////////+Tw//////////iZctqrLIZFn914P+G+TjKAr5wA',
      'eNYNlwhEDy/IhwYs13zPUXMJDY6YPqU1Tb3bgjRISxOorrHtFvFu8SMcBFx7nOYTuO9HtC2F0h7+kOpvlFaYUrpLc9ex/uNui0sZ',
      'slDJ5xd50iH5LbWzOWkpp1U0oONTymQh3V4CvKLg6DWafS8MtLVKRlYHOP6S/Skrj0plb2uvZlblU36ci5Y8U0xSqzgrsVAfUAqT',
      'NXthtunPcCfehtfkcyWezjVji/x93Ne+DRErga3C/dCh1tqZWXLgrlnwoFTYJl0FFaW59OF3tSVFIwxKcJG3y8gyqoRxeHVsVE4l',
      'gUSHjKVvIgAl8RHeboAZ0g5eOrOQGPfAqcuMzoYtExgPQ6yrj/oFZVZI1Yk08fNEhNzvr5HPT37AjK+Ni/f7xE+hqt1j4FHhaVaI',
      '1p7esSZJ9nxGocW9ti/Y54t4En/krGtxnbeECyoYH2DU1q4VCEWzRdug6ONYGaA9ekdCuIR8lxvIsOsdDwhXPTr9lNdXpgi8zGA0',
      'yYEjFcVu3sp+8ywljaw0xT0iqJqONOyFvgz1lEgMU7bCQNx0LqSBMNoWIv42eIKefKwo+tRYNITDcnxAfwjcXW1AgQqqEObDqM8N',
      'lox7g3lzkwS1ALAuXrnuR57ndguRfnF3wB+3mPLVegLpD4R8ro6c2qr7+vfP9c8oFv4Ifd+txlPXdOynQCdfuQwjPZ5fovloyr0E',
      'r+BBl+Z3YdehUHaH/iyYE6TLb5jVZJYr+S6ttZGLoeXFAA8Y6AAIhg6+ogBn01gyvqcMoJbZlGqWaZcxIrW7SOzxbphWqvrksVfo',
      'guo7JlH7gfkFppr9QPY58k6DYzdJ8aBQgl1yLZLmqIrjltpxoXSWqaBoLAG1YVMEIKZHC3WzIrU3R55XWZ130BUzWOLb83csqZzA',
      '8GdgKeaSLAjbGIiFmfmGrIbm4hY562O0iXBTX1al3+E9ln6EupJo/zhtCicMH1bEhnNh/7lwWb9KlUMc2GAe8gvAkxCe4DDXOPhz',
      'agVlDWJ7ZgT2xDofMLDK+drjPrSC0jYA1+juOSIC9KuiF6KwywPYOYZeE0bm/Y40CM8K7Vbz88QlXEgRo4uZqJcQ4a+fas45bBrw',
      'Mjubm45tZ1ptuRSfpqbg2nzHJXWnZjH67G7s5xh/3UV+zFi5WvUP8r11S0ReRTUHtSdBCcwWu4xzVaSXTMjfvap7Xpn7TGlpSq1a',
      'MKTKj/3e55iCY9pAD5sEIborPCxi+Hu3289E011BD7nA5H1AnaJG5MugoIPpaPXRFuC31T4e1mSR3WhdiAtJ9/WRiDIW4ElJ/6k/',
      'TTU55fykYsAsk3WXWn15fag3r8+eIlQs3xmHwUcHfxHKeTyej4bW+isA08mFFEU8znYhSZ+6u/Z+2+m02lwxD4GfR/j3ufo+yxFM',
      'hKL/wr/P/s3bmedfjgpeM701rTjHTAUlMPH4V1TlvjlUK5Tms83Wsrg+Qmk69SiP0lbo8rcvMoLjZtQQCp1iIaHfMxMIMT7w5mV/',
      'VYE6Q7B4e/mJEOWCph0ljPlTOzh7Z1aFchF+viIGSDlv6+ChaqI46jKy04OcV6iSQH06X3UiflY9XVE+xwtu0ql1FpAgL9M5j2jE',
      'kn7Tn2M9sO3vxM2kLy8f6bZ7jEqa31Bq/uC7A4frOxsNbUfV25oO71acVHvLu9lQLhp+NsaNmu2ivUkoDQXFEAsTSX1zGL32enhg',
      'Ff2TFSkUCDC6t2I1Z8EdKnHyZxEa95X/dmtpGsurLerwm21HsjYvqe1h8C3nXGZlXIL5w3MLJhjMgwfDv714p7vhLMxug/fIkDBz',
      'KOL0kfRFLLiPGSiJJf72iE13c0BHSxv9IngSKu1tianwZ76McQxMHuzHw4FETpK/L/HvC1ffijoIz/TCL01SNUT+GF0hMDI890JS',
      'ujXkhrIh5IEnyqcSFRb+sV+/K1Ae1VJNsnVYIZ+atrYFUnqxF+CaxZiK8TABuhz824MA5ds0EvBpJ6pkVi7q5QjhWUzB74DsLNb6',
      'uTzP44GOShjW9ge8nYOtI6lcoysaFXQkWc8eowcc7QvJPUBAjYz8q69inngTofIsDOvOOw6Nq3zJEdVvIvH9rrehawZIzz2uuaoq',
      '5IDQwj7elAgxo+ZEjlKgEUeIGCAw1Cgrv3FRDpqpuCOdziLKC2tdmVEQe2m5ePyay4rtoCbh5wlm8nCLdEaCV+ZGQ8+JMLZTrJ7s',
      'ajVdUb/LfeBBC5LmhqnSp7F1Y0TdHWS5DMCrZ38dZlPv/kPRCuS5pQT2LQ8rNPfaQAwE/b3g8WHd86svyBGOjU6LQ2krvdKrroag',
      'jo4YNR9RLDsb5mWqsXjZ3x3w8tgxfVV9qoJHq2NyIg4xcB75Uz2UDKolIUC4p/pbXH4i0joaIEpLkbc5OVVF6V4uLjTBTf0tcNWu',
      'oW3mB6WcsPzn5zn6Vkc6FPt6IrByNNabL9Lge49uJyh0FZmPBa5QIO4jPCBExgel7vORN548jQM+Z7/1DKAkGaYajQG0dnv2+cGO',
      'MOHNZa6NUUR7/ft7ibsBFwYk4IblYjrGA3BKz3oFoXlDItCGsf1a1AK+EOtMJ8OOU+LumMeEoZsreFATrvcAOsMj7tNhP/tg+wlU',
      'L5wK4o6CVqWK4LGiemYSe7eM+deM6LrYEEGnibF32nMwbzH6C6Kur+d5STUPijwK25xeeSYboR4mCBs6J7kI3GHeFwaPa+w73uM6',
      'C3si+0ahf04ZAAAADwAI////////////////////91A6C3si+xbJfkUAAAAA7u/fsw==',
    ].join(''),
    'base64',
  );

  it('reads linked blocks written by the lz4 CLI, with block checksums, content size and content checksum', () => {
    expect(LZ4_CLI_LINKED[4]).toBe(0x5c);
    expectSameBytes(decompressFrame(LZ4_CLI_LINKED), linkedFixtureInput());
  });

  it('the second block of that frame really refers into the first: read as independent, it fails', () => {
    const independent = withFlg(LZ4_CLI_LINKED, 0x7c);
    expect(() => decompressFrame(independent)).toThrow(
      /lz4 frame: match offset \d+ at byte \d+ points before/,
    );
  });

  it('writes linked blocks with blockIndependence: false, which lz4-napi reads too', () => {
    const input = linkedFixtureInput();
    const linked = compressFrame(input, { blockIndependence: false, contentChecksum: true });
    const independent = compressFrame(input, { contentChecksum: true });
    expect(linked[4]).toBe(0x44);
    expect(linked.length).toBeLessThan(independent.length - 2000);
    expectSameBytes(decompressFrame(linked), input);
    expectSameBytes(napi.decompressFrameSync(asBuffer(linked)), input);
    expect(() => decompressFrame(withFlg(linked, 0x64))).toThrow(/points before the data it may refer to/);
  });

  it('skips skippable frames and appends concatenated frames', () => {
    const a = new TextEncoder().encode('first frame, first frame, first frame');
    const b = makeInput({ shape: 'events', size: 70_000, seed: 9 });
    const c = new TextEncoder().encode('third, from lz4-napi');
    const skippable = (magicLowNibble: number, size: number): Uint8Array => {
      const frame = new Uint8Array(8 + size).fill(0xee);
      new DataView(frame.buffer).setUint32(0, 0x184d2a50 + magicLowNibble, true);
      new DataView(frame.buffer).setUint32(4, size, true);
      return frame;
    };
    const input = Buffer.concat([
      skippable(0xf, 5),
      compressFrame(a),
      skippable(0, 0),
      compressFrame(b, { contentChecksum: true, contentSize: true, blockIndependence: false }),
      napi.compressFrameSync(Buffer.from(c), { contentChecksum: true }),
      skippable(7, 3),
    ]);
    expectSameBytes(decompressFrame(input), Buffer.concat([a, b, c]));
    expect(decompressFrame(skippable(1, 10)).length).toBe(0);
  });

  it('reads a frame from a Buffer at an offset inside a larger allocation', () => {
    const input = makeInput({ shape: 'mixed', size: 150_000, seed: 11 });
    const frame = compressFrame(input, { blockChecksum: true, contentChecksum: true });
    const holder = Buffer.alloc(frame.length + 10);
    holder.set(frame, 3);
    expectSameBytes(decompressFrame(holder.subarray(3, 3 + frame.length)), input);
  });
});
