import { describe, expect, it } from 'vitest';
import { ExpiryHeap } from '../../src/task/expiry-heap.ts';
import { random } from '../support/random.ts';

describe('ExpiryHeap', () => {
  it('gives the keys due before a watermark, each once, earliest first; the rest stay', () => {
    const heap = new ExpiryHeap<string>();
    for (const [time, key] of [
      [30, 'c'],
      [10, 'a'],
      [20, 'b'],
      [15, 'a'],
      [40, 'a'],
      [20, 'd'],
    ] as const)
      heap.push(time, key);
    expect(heap.due(10)).toEqual([]);
    expect(heap.due(21).toSorted()).toEqual(['a', 'b', 'd']);
    expect(heap.size).toBe(2);
    expect(heap.due(Number.POSITIVE_INFINITY)).toEqual(['c', 'a']);
    expect(heap.size).toBe(0);
  });

  it('matches a sorted list over random pushes and watermarks', () => {
    for (let run = 0; run < 200; run++) {
      const rng = random(run);
      const heap = new ExpiryHeap<number>();
      let list: [number, number][] = [];
      let watermark = 0;
      for (let step = 0; step < 50; step++) {
        for (let push = Math.floor(rng() * 20); push > 0; push--) {
          const entry: [number, number] = [watermark + Math.floor(rng() * 100) - 10, Math.floor(rng() * 15)];
          heap.push(...entry);
          list.push(entry);
        }
        watermark += Math.floor(rng() * 30);
        const due = list.filter(([time]) => time < watermark).toSorted((a, b) => a[0] - b[0]);
        const keys = [...new Set(due.map(([, key]) => key))];
        // Keys of equal times may come in either order: compare as sets, and the first time of each in order.
        const got = heap.due(watermark);
        expect(got.toSorted()).toEqual(keys.toSorted());
        const first = (key: number) => due.find(([, k]) => k === key)?.[0] ?? 0;
        expect(got.map(first)).toEqual(keys.map(first));
        list = list.filter(([time]) => time >= watermark);
        expect(heap.size).toBe(list.length);
      }
    }
  });
});
