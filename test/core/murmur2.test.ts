// Our murmur2 against the Java client's answers stored in test/fixtures/murmur2-java-vectors.json
// (written by test/fixtures/Murmur2Vectors.java; the integration test reruns it to keep it honest).
import { describe, expect, it } from 'vitest';
import { murmur2, toPositive } from '../../src/core/murmur2.ts';
import { readJavaVectors } from '../support/murmur2-vectors.ts';

const fixture = readJavaVectors();

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('murmur2 against the Java client (fixture)', () => {
  it('holds the inputs the generator promises', () => {
    expect(fixture.partitionCounts).toEqual([1, 3, 8, 12, 100]);
    expect(fixture.vectors).toHaveLength(253);
    const labels = fixture.vectors.map((v) => v.label);
    expect(new Set(labels).size).toBe(labels.length);
    expect(labels.filter((l) => l.startsWith('random ')).length).toBe(200);
    expect(labels.filter((l) => l.startsWith('utf8 ')).length).toBe(9);
    // Every length 0..16 occurs, so each tail length meets 0..4 whole words.
    const lengths = new Set(fixture.vectors.map((v) => v.hex.length / 2));
    for (let n = 0; n <= 16; n++) expect(lengths.has(n)).toBe(true);
    // BuiltInPartitioner.partitionForKey is the same formula; if a Kafka release changed it, we must know.
    for (const v of fixture.vectors) expect(v.partitionForKey).toEqual(v.partitions);
  });

  it.each(fixture.vectors.map((v) => [v.label, v] as const))('%s', (_label, vector) => {
    const input = Buffer.from(vector.hex, 'hex');
    const hash = murmur2(input);
    expect(hash).toBe(vector.murmur2);
    const partitions = Object.fromEntries(
      fixture.partitionCounts.map((n) => [String(n), toPositive(hash) % n] as const),
    );
    expect(partitions).toEqual(vector.partitions);
  });
});

describe('murmur2 by hand', () => {
  // Kafka's own UtilsTest.testMurmur2 cases.
  it.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ])('murmur2(%j) is %i as in Kafka UtilsTest', (text, expected) => {
    expect(murmur2(bytes(text))).toBe(expected);
  });

  it('hashes the empty input to the seed mixed with length 0', () => {
    expect(murmur2(new Uint8Array(0))).toBe(275646681);
  });

  it('treats bytes >= 0x80 as unsigned, as Java masks them with & 0xff', () => {
    expect(murmur2(Uint8Array.of(0xff))).toBe(-311467685);
    expect(murmur2(Uint8Array.of(0xff, 0xff, 0xff, 0xff))).toBe(644171429);
  });
});

describe('toPositive', () => {
  it('clears the sign bit like Utils.toPositive, unlike Math.abs', () => {
    expect(toPositive(-790332482)).toBe(1357151166);
    expect(toPositive(-2147483648)).toBe(0);
    expect(toPositive(-1)).toBe(2147483647);
    expect(toPositive(0)).toBe(0);
    expect(toPositive(2147483647)).toBe(2147483647);
  });
});

describe('murmur2 API shape', () => {
  it('takes one Uint8Array and returns a signed 32-bit integer', () => {
    expect(murmur2.length).toBe(1);
    for (const v of fixture.vectors) {
      const hash = murmur2(Buffer.from(v.hex, 'hex'));
      expect(hash | 0).toBe(hash);
    }
    expect(fixture.vectors.some((v) => v.murmur2 < 0)).toBe(true);
  });

  it('hashes exactly the bytes of a view, honouring byteOffset (no copy of the backing buffer)', () => {
    const backing = Uint8Array.of(0xaa, 0xbb, ...bytes('foobar'), 0xcc);
    const view = backing.subarray(2, 8);
    expect(view.byteOffset).toBe(2);
    expect(murmur2(view)).toBe(-790332482);
    // Small Buffers share Node's 8 KB pool, so they start at an offset inside a larger ArrayBuffer.
    const pooled = Buffer.from('foobar');
    expect(pooled.buffer.byteLength).toBeGreaterThan(pooled.length);
    expect(murmur2(pooled)).toBe(-790332482);
  });

  it('leaves its input unchanged', () => {
    const input = bytes('a-little-bit-longer-string');
    const before = Uint8Array.from(input);
    murmur2(input);
    expect(input).toEqual(before);
  });
});
