import { describe, expect, it } from 'vitest';
import { decodePlain, encodePlain, joinArray } from '../../src/core/index.ts';

describe('joinArray', () => {
  // The header's three widths: fixarray (< 16), array 16 (< 65,536) and array 32.
  it.each([0, 1, 15, 16, 255, 256, 65_535, 65_536, 70_000])(
    'joins %i encoded items into the bytes one encoding of the list gives',
    (count) => {
      const items = Array.from({ length: count }, (_, index) => (index % 3 === 0 ? [index, 'x'] : index));
      const joined = joinArray(items.map((item) => encodePlain(item)));
      expect(joined).toEqual(encodePlain(items));
      expect(decodePlain(joined)).toEqual(items);
    },
  );

  it('keeps items of any size as they are: a 2 MB string, a nested list, nil, a bigint', () => {
    const items = ['é'.repeat(1_000_000), [[[[1]]]], null, 2n ** 63n - 1n];
    expect(decodePlain(joinArray(items.map((item) => encodePlain(item))))).toEqual(items);
  });
});
