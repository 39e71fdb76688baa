import { describe, expect, it } from 'vitest';
import {
  Aggregations,
  coalesceSessions,
  paneOps,
  type SessionPart,
  SessionWindows,
  sessionTouches,
} from '../../src/window/index.ts';

const counting = (gapMs: number): SessionWindows => new SessionWindows(gapMs, paneOps(Aggregations.count()));
const sum = (a: unknown, b: unknown): unknown => (a as number) + (b as number);

describe('sessionTouches: a record joins a session its own [t, t + gap) overlaps', () => {
  it.each([
    [0, 0, 9, true],
    [0, 0, 10, false],
    [20, 25, 11, true],
    [20, 25, 10, false],
    [20, 25, 34, true],
    [20, 25, 35, false],
  ])('session [%i, %i + 10), record at %i: %s', (start, last, time, joins) => {
    expect(sessionTouches(start, last, time, 10)).toBe(joins);
  });
});

describe('coalesceSessions', () => {
  it('merges overlapping sessions of several sources in any order; touching ones stay apart', () => {
    const parts: SessionPart[] = [
      [30, 32, 1, false],
      [0, 4, 2, false],
      [12, 12, 4, true],
      [42, 42, 8, false],
    ];
    // [0, 14) and [12, 22) overlap; [30, 42) ends where [42, 52) starts.
    expect(coalesceSessions(parts, 10, sum)).toEqual([
      [0, 12, 6, true],
      [30, 32, 1, false],
      [42, 42, 8, false],
    ]);
    expect(parts[1]).toEqual([0, 4, 2, false]);
  });
});

describe('SessionWindows in a slot', () => {
  it('a record opens, extends and bridges sessions; each batch sends every open session of the keys it touched', () => {
    const state = counting(10);
    state.add('a', 1, 0);
    state.add('a', 1, 25);
    state.add('b', 1, 3);
    expect(state.takeUpdates()).toEqual([
      [
        'a',
        [
          [0, 0, 1, true],
          [25, 25, 1, true],
        ],
      ],
      ['b', [[3, 3, 1, true]]],
    ]);
    // 8 extends [0, 10) to [0, 18), which does not reach [25, 35); 16 then bridges them.
    state.add('a', 1, 8);
    expect(state.takeUpdates()).toEqual([
      [
        'a',
        [
          [0, 8, 2, true],
          [25, 25, 1, false],
        ],
      ],
    ]);
    state.add('a', 1, 16);
    expect(state.takeUpdates()).toEqual([['a', [[0, 25, 4, true]]]]);
    expect(state.entries).toBe(2);
  });

  it('a record earlier than a session moves its start; an out-of-order record fills the middle', () => {
    const state = counting(5);
    state.add('k', 1, 100);
    state.add('k', 1, 96);
    state.add('k', 1, 98);
    expect(state.takeUpdates()).toEqual([['k', [[96, 100, 3, true]]]]);
  });

  it('the watermark closes the sessions whose end it reached; records older than it are late', () => {
    const state = counting(10);
    state.add('a', 1, 0);
    state.add('a', 1, 30);
    state.takeUpdates();
    state.advance(9);
    expect(state.entries).toBe(2);
    state.advance(10);
    expect(state.entries).toBe(1);
    expect([state.isLate(9), state.isLate(10)]).toEqual([true, false]);
    // Only the open session goes with the next change of the key.
    state.add('a', 1, 10);
    expect(state.takeUpdates()).toEqual([
      [
        'a',
        [
          [10, 10, 1, true],
          [30, 30, 1, false],
        ],
      ],
    ]);
    state.advance(Number.POSITIVE_INFINITY);
    expect(state.entries).toBe(0);
    expect(state.takeUpdates()).toEqual([]);
  });

  it('keys are compared by identity, and hostile ones are only keys', () => {
    const state = new SessionWindows(
      1,
      paneOps(
        Aggregations.of<string, string[], string>({
          empty: () => [],
          add: (acc, value) => [...acc, value],
          merge: (a, b) => [...a, ...b],
          result: (acc) => acc.join(''),
        }),
      ),
    );
    for (const key of ['__proto__', 'constructor', { u: 1 }, { u: 1 }, 1, '1']) state.add(key, 'x', 5);
    expect(state.takeUpdates()).toEqual([
      ['__proto__', [[5, 5, ['x'], true]]],
      ['constructor', [[5, 5, ['x'], true]]],
      [{ u: 1 }, [[5, 5, ['x', 'x'], true]]],
      [1, [[5, 5, ['x'], true]]],
      ['1', [[5, 5, ['x'], true]]],
    ]);
  });

  it('times at the ends of a Date and a gap as wide stay finite and exact', () => {
    const state = counting(8.64e15);
    for (const time of [-8.64e15, 8.64e15, 0]) state.add('a', 1, time);
    // Exactly a gap apart: three sessions. Then 1 joins 0 and is less than a gap from 8.64e15.
    expect(state.takeUpdates()[0]?.[1].map(([start, last]) => [start, last])).toEqual([
      [-8.64e15, -8.64e15],
      [0, 0],
      [8.64e15, 8.64e15],
    ]);
    state.add('a', 1, 1);
    expect(state.takeUpdates()).toEqual([
      [
        'a',
        [
          [-8.64e15, -8.64e15, 1, false],
          [0, 8.64e15, 3, true],
        ],
      ],
    ]);
    state.advance(0);
    expect(state.entries).toBe(1);
    state.advance(1.728e16);
    expect(state.entries).toBe(0);
  });

  it('a restored copy goes on exactly as the original', () => {
    const original = counting(10);
    original.add('a', 1, 0);
    original.add('b', 1, 40);
    original.takeUpdates();
    original.advance(5);
    const copy = counting(10);
    copy.restore(JSON.parse(JSON.stringify(original.snapshot())));
    for (const state of [original, copy]) {
      state.add('a', 1, 8);
      state.advance(45);
      state.add('b', 1, 46);
    }
    expect(copy.takeUpdates()).toEqual(original.takeUpdates());
    expect([copy.entries, copy.frontier]).toEqual([original.entries, original.frontier]);
    expect(copy.snapshot()).toEqual(original.snapshot());
  });
});
