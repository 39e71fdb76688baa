import { describe, expect, it } from 'vitest';
import { EventSource } from '../../src/bench/events.ts';
import { seededRandom } from '../../src/core/index.ts';

const shape = { keys: 100, keySkew: 0, valueBytes: 160, seed: 7 };

describe('EventSource', () => {
  it('gives the same events for the same seed, others for another', () => {
    const a = new EventSource(shape);
    const b = new EventSource(shape);
    const c = new EventSource({ ...shape, seed: 8 });
    const first = Array.from({ length: 50 }, () => a.next(1000));
    expect(Array.from({ length: 50 }, () => b.next(1000))).toEqual(first);
    expect(Array.from({ length: 50 }, () => c.next(1000))).not.toEqual(first);
  });

  it('pads each value to its size, as JSON the aggregate job reads, keyed by its url', () => {
    const source = new EventSource(shape);
    for (let i = 0; i < 200; i++) {
      const { key, value } = source.next(1_767_225_600_000 + i);
      expect(Buffer.byteLength(value)).toBe(160);
      const parsed = JSON.parse(value) as { ts: number; url: string };
      expect(parsed.ts).toBe(1_767_225_600_000 + i);
      expect(parsed.url).toBe(key);
    }
    // Too small a size gives the fields alone, never a cut value.
    expect(() => JSON.parse(new EventSource({ ...shape, valueBytes: 1 }).next(0).value)).not.toThrow();
  });

  it('draws keys by a Zipf law: uniform at 0, key i about 1/(i+1) as popular at 1', () => {
    const draws = (skew: number): number[] => {
      const source = new EventSource({ ...shape, keySkew: skew });
      const counts = new Array<number>(shape.keys).fill(0);
      for (let i = 0; i < 100_000; i++) {
        const index = source.keyIndex();
        counts[index] = (counts[index] ?? 0) + 1;
      }
      return counts;
    };
    const uniform = draws(0);
    expect(Math.max(...uniform) / Math.min(...uniform)).toBeLessThan(1.4);
    const zipf = draws(1);
    // H(100) ≈ 5.19: key 0 takes about 19 %, key 1 half of that, key 9 a tenth.
    expect((zipf[0] ?? 0) / 100_000).toBeCloseTo(1 / 5.187, 1);
    expect((zipf[0] ?? 0) / (zipf[1] ?? 1)).toBeGreaterThan(1.8);
    expect((zipf[0] ?? 0) / (zipf[1] ?? 1)).toBeLessThan(2.2);
    expect((zipf[0] ?? 0) / (zipf[9] ?? 1)).toBeGreaterThan(8.5);
  });

  it('has a seeded generator in [0, 1)', () => {
    const random = seededRandom(42);
    const values = Array.from({ length: 10_000 }, random);
    expect(values.every((value) => value >= 0 && value < 1)).toBe(true);
    expect(seededRandom(42)()).toBe(values[0]);
  });
});
