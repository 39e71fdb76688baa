import { describe, expect, it } from 'vitest';
import { toOffset } from '../../src/core/index.ts';
import { conflictText, matchOffsets, offsetKey } from '../../src/sinks/postgres-offsets.ts';

const r = (partition: number, from: bigint, until: bigint) => ({
  topic: 't',
  partition,
  fromOffset: toOffset(from),
  untilOffset: toOffset(until),
});
const stored = (entries: [number, bigint][]) =>
  new Map(entries.map(([partition, offset]) => [offsetKey('t', partition), offset]));

describe('matchOffsets (Spark: apply only where the stored end is the batch start)', () => {
  it('applies a batch whose ranges start at the stored ends, or at partitions never written', () => {
    const match = matchOffsets([r(0, 10n, 20n), r(1, 0n, 5n)], stored([[0, 10n]]));
    expect(match.kind).toBe('apply');
    expect(match.ranges.map((state) => state.kind)).toStrictEqual(['next', 'first']);
  });

  it('skips a batch every range of which ends at or before the stored end (a replay)', () => {
    const match = matchOffsets(
      [r(0, 10n, 20n), r(1, 5n, 9n)],
      stored([
        [0, 20n],
        [1, 30n],
      ]),
    );
    expect(match.kind).toBe('skip');
  });

  it('refuses a range across the stored end, a gap after it, and a half-written batch', () => {
    expect(matchOffsets([r(0, 10n, 30n)], stored([[0, 20n]])).kind).toBe('conflict');
    expect(matchOffsets([r(0, 25n, 30n)], stored([[0, 20n]])).kind).toBe('conflict');
    const half = matchOffsets(
      [r(0, 10n, 20n), r(1, 5n, 9n)],
      stored([
        [0, 20n],
        [1, 5n],
      ]),
    );
    expect(half.kind).toBe('conflict');
    expect(conflictText(half.ranges)).toBe('t/0 [10, 20) is already written (stored end 20)');
    expect(conflictText(matchOffsets([r(0, 25n, 30n)], stored([[0, 20n]])).ranges)).toBe(
      't/0 [25, 30) does not start at the stored end 20',
    );
  });

  it('leaves empty ranges out, and applies a batch without ranges', () => {
    const match = matchOffsets(
      [r(0, 20n, 20n), r(1, 3n, 4n)],
      stored([
        [0, 40n],
        [1, 3n],
      ]),
    );
    expect(match).toStrictEqual({ kind: 'apply', ranges: [{ kind: 'next', range: r(1, 3n, 4n) }] });
    expect(matchOffsets([], stored([])).kind).toBe('apply');
  });
});
