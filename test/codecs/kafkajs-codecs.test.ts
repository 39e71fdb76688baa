// Every codec through kafkajs's codec interface (`codec().compress({ buffer })` / `decompress`), as
// kafkajs calls it for a record batch; what the Kafka Java client writes; and each implementation
// against the other. Under SLUICE_NATIVE=off the registered codecs are the pure ones (CI runs both).
import { readFileSync } from 'node:fs';
import kafkajs, { CompressionTypes } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import {
  type CodecName,
  compressionType,
  compressXerial,
  type KafkajsCodec,
  lz4,
  registerCodecs,
  selectCodecs,
  uncompressSnappy,
} from '../../src/codecs/index.ts';
import { clickAt } from '../../src/task/index.ts';

const report = registerCodecs();
const table = kafkajs.CompressionCodecs as Record<number, () => KafkajsCodec>;
const TYPES: Readonly<Record<CodecName, CompressionTypes>> = {
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};
const NAMES = Object.keys(TYPES) as CodecName[];

function codec(name: CodecName): KafkajsCodec {
  const make = table[TYPES[name]];
  if (!make) throw new Error(`no ${name} codec registered`);
  return make();
}

/** Deterministic pseudo-random bytes: LZ4 and snappy store them uncompressed. */
function noise(length: number, seed = 7): Buffer {
  const out = Buffer.alloc(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

// 3,000 click events as JSON lines: about 300 KB, so several LZ4 blocks (64 KB) and xerial chunks (32 KB).
const clicks = Buffer.from(
  Array.from({ length: 3000 }, (_, n) =>
    JSON.stringify(clickAt({ seed: 1, partitions: 4 }, n % 4, n >> 2)),
  ).join('\n'),
);
const INPUTS: Readonly<Record<string, Buffer>> = {
  empty: Buffer.alloc(0),
  'one byte': Buffer.from('x'),
  'click events, 300 KB': clicks,
  'noise, 70 KB': noise(70_000),
};

type JavaFixture = { kafkaVersion: string; text: string; compressed: Record<CodecName, string> };
const java = JSON.parse(
  readFileSync(new URL('../fixtures/java-compressed.json', import.meta.url), 'utf8'),
) as JavaFixture;

describe('registered kafkajs codecs', () => {
  it('uses the implementations SLUICE_NATIVE selects in this process', () => {
    const off = process.env.SLUICE_NATIVE === 'off';
    expect(report).toEqual({
      native: off ? 'off' : 'auto',
      lz4: off ? 'native-free' : 'lz4-napi',
      snappy: off ? 'snappyjs' : 'snappy',
      zstd: 'node:zlib',
      gzip: 'node:zlib',
    });
    expect(lz4().implementation).toBe(report.lz4);
  });

  for (const name of NAMES) {
    for (const [label, input] of Object.entries(INPUTS)) {
      it(`${name} round-trips ${label}`, async () => {
        const compressed = await codec(name).compress({ buffer: input });
        expect(Buffer.isBuffer(compressed)).toBe(true);
        const back = await codec(name).decompress(compressed);
        expect(back.equals(input)).toBe(true);
        if (label.startsWith('click')) expect(compressed.length).toBeLessThan(input.length / 3);
      });
    }

    it(`${name} decompresses what Kafka ${java.kafkaVersion}'s Java client writes`, async () => {
      const back = await codec(name).decompress(Buffer.from(java.compressed[name], 'hex'));
      expect(back.toString('utf8')).toBe(java.text);
    });
  }

  it('writes the formats Kafka expects: gzip member, xerial-framed snappy, LZ4 frame, zstd frame', async () => {
    const magic = async (name: CodecName, bytes: number) =>
      (await codec(name).compress({ buffer: clicks })).subarray(0, bytes).toString('hex');
    expect(await magic('gzip', 2)).toBe('1f8b');
    expect(await magic('snappy', 16)).toBe('82534e41505059000000000100000001');
    // LZ4 frame magic, then FLG 0x60: version 1, independent blocks (Java refuses dependent ones).
    expect(await magic('lz4', 5)).toBe('04224d1860');
    expect(await magic('zstd', 4)).toBe('28b52ffd');
  });

  it('registers once: a second call changes nothing and returns the same report', () => {
    const before = table[CompressionTypes.LZ4]?.();
    expect(registerCodecs()).toEqual(report);
    expect(table[CompressionTypes.LZ4]?.()).toBe(before);
  });

  it("maps Kafka's compression.type names to kafkajs's CompressionTypes", () => {
    expect(['none', 'gzip', 'snappy', 'lz4', 'zstd'].map((name) => compressionType(name as 'none'))).toEqual([
      0, 1, 2, 3, 4,
    ]);
  });
});

describe('native and pure implementations agree', () => {
  const native = selectCodecs('auto');
  const pure = selectCodecs('off');

  it('has both here: the native addons load on this machine', () => {
    expect([native.lz4.implementation, native.snappy.implementation]).toEqual(['lz4-napi', 'snappy']);
    expect([pure.lz4.implementation, pure.snappy.implementation]).toEqual(['native-free', 'snappyjs']);
  });

  for (const [label, input] of Object.entries(INPUTS)) {
    it(`LZ4 frames of ${label} read back across implementations`, () => {
      expect(pure.lz4.decompressFrame(native.lz4.compressFrame(input)).equals(input)).toBe(true);
      expect(native.lz4.decompressFrame(pure.lz4.compressFrame(input)).equals(input)).toBe(true);
    });

    it(`xerial snappy of ${label} reads back across implementations`, () => {
      const fromNative = compressXerial(input, native.snappy);
      const fromPure = compressXerial(input, pure.snappy);
      expect(uncompressSnappy(fromNative, pure.snappy).equals(input)).toBe(true);
      expect(uncompressSnappy(fromPure, native.snappy).equals(input)).toBe(true);
    });
  }

  it("both read the Java client's LZ4 and snappy bytes", () => {
    for (const selection of [native, pure]) {
      const lz4Frame = Buffer.from(java.compressed.lz4, 'hex');
      expect(selection.lz4.decompressFrame(lz4Frame).toString('utf8')).toBe(java.text);
      const snappy = Buffer.from(java.compressed.snappy, 'hex');
      expect(uncompressSnappy(snappy, selection.snappy).toString('utf8')).toBe(java.text);
    }
  });
});
