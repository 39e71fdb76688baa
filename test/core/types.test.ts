import { expect, it } from 'vitest';
import { type OffsetRange, toOffset } from '../../src/core/index.ts';

it('makes offsets only through toOffset: a bare bigint is refused by the type checker (npm run typecheck)', () => {
  // @ts-expect-error a count or a time held in a bigint must not pass for an offset
  const bare: OffsetRange = { topic: 't', partition: 0, fromOffset: 1n, untilOffset: 2n };
  const made: OffsetRange = {
    topic: 't',
    partition: 0,
    fromOffset: toOffset(1),
    untilOffset: toOffset('9007199254740993'),
  };
  expect(bare.untilOffset - bare.fromOffset).toBe(1n);
  expect(made.untilOffset).toBe(9_007_199_254_740_993n);
  expect(toOffset(42n)).toBe(42n);
});
