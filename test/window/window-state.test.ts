import { describe, expect, it } from 'vitest';
import {
  type AggregationSpec,
  Aggregations,
  FinalWindows,
  type FiredWindow,
  paneOps,
  RecordWindows,
  UpdateWindows,
  type WindowSpec,
  Windows,
} from '../../src/window/index.ts';

type Window = { start: number; end: number; pairs: [unknown, unknown][] };

/** Fired windows with each window's pairs sorted by key, so partition-local order does not matter. */
function normalize(windows: readonly FiredWindow[]): Window[] {
  return windows.map(({ start, end, pairs }) => ({
    start,
    end,
    pairs: [...pairs].sort(([a], [b]) => String(a).localeCompare(String(b))),
  }));
}

const final = (spec: WindowSpec, aggregation: AggregationSpec = Aggregations.count()): FinalWindows =>
  new FinalWindows(spec, paneOps(aggregation));
const update = (spec: WindowSpec, aggregation: AggregationSpec = Aggregations.sum()): UpdateWindows =>
  new UpdateWindows(spec, paneOps(aggregation));

const concat = Aggregations.of<string, string, string>({
  empty: () => '',
  add: (acc, value) => acc + value,
  merge: (a, b) => a + b,
});

describe('FinalWindows', () => {
  it('tumbling: fires each window once the watermark reaches its end', () => {
    const windows = final(Windows.tumbling(10));
    for (const [key, time] of [
      ['a', 1],
      ['a', 9],
      ['b', 5],
      ['a', 12],
      ['c', 35],
    ] as const) {
      windows.add(key, 1, time);
    }
    windows.advance(9);
    expect(windows.takeFired()).toEqual([]);
    windows.advance(10);
    expect(normalize(windows.takeFired())).toEqual([
      {
        start: 0,
        end: 10,
        pairs: [
          ['a', 2],
          ['b', 1],
        ],
      },
    ]);
    windows.advance(20);
    expect(normalize(windows.takeFired())).toEqual([{ start: 10, end: 20, pairs: [['a', 1]] }]);
    windows.advance(50);
    expect(normalize(windows.takeFired())).toEqual([{ start: 30, end: 40, pairs: [['c', 1]] }]);
    windows.advance(Number.POSITIVE_INFINITY);
    expect(windows.takeFired()).toEqual([]);
  });

  it('sliding with an inverse (sum): every window holding data, in end order', () => {
    const windows = final(Windows.sliding(30, 10), Aggregations.sum());
    windows.add('a', 1, 5);
    windows.add('a', 2, 15);
    windows.add('b', 4, 25);
    windows.add('a', 8, 45);
    windows.advance(60);
    expect(normalize(windows.takeFired())).toEqual([
      { start: -20, end: 10, pairs: [['a', 1]] },
      { start: -10, end: 20, pairs: [['a', 3]] },
      {
        start: 0,
        end: 30,
        pairs: [
          ['a', 3],
          ['b', 4],
        ],
      },
      {
        start: 10,
        end: 40,
        pairs: [
          ['a', 2],
          ['b', 4],
        ],
      },
      {
        start: 20,
        end: 50,
        pairs: [
          ['a', 8],
          ['b', 4],
        ],
      },
      { start: 30, end: 60, pairs: [['a', 8]] },
    ]);
    windows.advance(Number.POSITIVE_INFINITY);
    expect(normalize(windows.takeFired())).toEqual([{ start: 40, end: 70, pairs: [['a', 8]] }]);
    expect(windows.dict.size).toBe(0);
  });

  it('sliding without an inverse (max) uses Two-Stacks with the same windows', () => {
    const windows = final(Windows.sliding(20, 10), Aggregations.max());
    windows.add('a', 7, 1);
    windows.add('a', 3, 12);
    windows.add('b', -2, 14);
    windows.add('a', 5, 28);
    windows.advance(Number.POSITIVE_INFINITY);
    expect(normalize(windows.takeFired())).toEqual([
      { start: -10, end: 10, pairs: [['a', 7]] },
      {
        start: 0,
        end: 20,
        pairs: [
          ['a', 7],
          ['b', -2],
        ],
      },
      {
        start: 10,
        end: 30,
        pairs: [
          ['a', 5],
          ['b', -2],
        ],
      },
      { start: 20, end: 40, pairs: [['a', 5]] },
    ]);
    expect(windows.dict.size).toBe(0);
  });

  it('a user aggregation combines panes in time order, records of a pane in arrival order', () => {
    const windows = final(Windows.sliding(30, 10), concat);
    windows.add('k', 'c', 25);
    windows.add('k', 'a', 5);
    windows.add('k', 'b', 15);
    windows.add('k', 'A', 6);
    windows.advance(30);
    expect(normalize(windows.takeFired())).toEqual([
      { start: -20, end: 10, pairs: [['k', 'aA']] },
      { start: -10, end: 20, pairs: [['k', 'aAb']] },
      { start: 0, end: 30, pairs: [['k', 'aAbc']] },
    ]);
  });

  it('windows without data are skipped', () => {
    const windows = final(Windows.sliding(20, 10));
    windows.add('a', 1, 5);
    windows.add('b', 1, 95);
    windows.advance(200);
    expect(normalize(windows.takeFired())).toEqual([
      { start: -10, end: 10, pairs: [['a', 1]] },
      { start: 0, end: 20, pairs: [['a', 1]] },
      { start: 80, end: 100, pairs: [['b', 1]] },
      { start: 90, end: 110, pairs: [['b', 1]] },
    ]);
  });

  it('a jump of 10^15 windows fires only the windows with data', () => {
    // A loop over the empty windows between would not finish: 1 ms windows across 10^15 ms.
    const windows = final(Windows.tumbling(1));
    windows.add('a', 1, 0);
    windows.advance(1);
    windows.add('b', 1, 1e15);
    windows.advance(2e15);
    windows.add('c', 1, 3e15);
    windows.advance(Number.POSITIVE_INFINITY);
    expect(normalize(windows.takeFired())).toEqual([
      { start: 0, end: 1, pairs: [['a', 1]] },
      { start: 1e15, end: 1e15 + 1, pairs: [['b', 1]] },
      { start: 3e15, end: 3e15 + 1, pairs: [['c', 1]] },
    ]);
    expect(windows.dict.size).toBe(0);
  });

  it('a pane older than the next window to fire still fires its windows', () => {
    const windows = final(Windows.sliding(30, 10));
    windows.add('a', 1, 45);
    // The next window to fire ends at 50; a record at 21 is not late and brings back ends 30 and 40.
    windows.advance(20);
    windows.add('b', 1, 21);
    windows.advance(60);
    expect(normalize(windows.takeFired())).toEqual([
      { start: 0, end: 30, pairs: [['b', 1]] },
      { start: 10, end: 40, pairs: [['b', 1]] },
      {
        start: 20,
        end: 50,
        pairs: [
          ['a', 1],
          ['b', 1],
        ],
      },
      { start: 30, end: 60, pairs: [['a', 1]] },
    ]);
  });

  it('tumbling: an out-of-order pane before the next end fires first', () => {
    const windows = final(Windows.tumbling(10));
    windows.add('a', 1, 25);
    windows.advance(15);
    windows.add('b', 1, 16);
    windows.advance(40);
    expect(normalize(windows.takeFired())).toEqual([
      { start: 10, end: 20, pairs: [['b', 1]] },
      { start: 20, end: 30, pairs: [['a', 1]] },
    ]);
  });

  it('isLate: older than the last watermark; the watermark never goes back', () => {
    const windows = final(Windows.tumbling(10));
    expect(windows.isLate(-1e15)).toBe(false);
    windows.advance(100);
    expect([windows.isLate(99), windows.isLate(100), windows.frontier]).toEqual([true, false, 100]);
    windows.advance(50);
    expect([windows.isLate(99), windows.frontier]).toEqual([true, 100]);
  });

  it('keys are released with the last pane that holds them', () => {
    const windows = final(Windows.sliding(20, 10));
    windows.add('a', 1, 5);
    windows.add('b', 1, 25);
    windows.add('b', 1, 26);
    expect(windows.dict.size).toBe(2);
    // Pane [0, 10) has left every window still to fire; pane [20, 30) is needed by [20, 40).
    windows.advance(30);
    expect(windows.dict.size).toBe(1);
    windows.advance(50);
    expect(windows.dict.size).toBe(0);
    expect(normalize(windows.takeFired())).toEqual([
      { start: -10, end: 10, pairs: [['a', 1]] },
      { start: 0, end: 20, pairs: [['a', 1]] },
      { start: 10, end: 30, pairs: [['b', 2]] },
      { start: 20, end: 40, pairs: [['b', 2]] },
    ]);
  });

  it('takeFired hands each window over once', () => {
    const windows = final(Windows.tumbling(10));
    windows.add('a', 1, 1);
    windows.advance(10);
    expect(windows.takeFired()).toHaveLength(1);
    expect(windows.takeFired()).toEqual([]);
  });
});

describe('UpdateWindows', () => {
  it('reports the windows and keys a batch changed, with the whole value of each', () => {
    const windows = update(Windows.tumbling(10));
    windows.add('a', 1, 1);
    windows.add('b', 2, 2);
    windows.add('a', 3, 12);
    expect(normalize(windows.takeUpdates())).toEqual([
      {
        start: 0,
        end: 10,
        pairs: [
          ['a', 1],
          ['b', 2],
        ],
      },
      { start: 10, end: 20, pairs: [['a', 3]] },
    ]);
    windows.add('a', 4, 5);
    expect(normalize(windows.takeUpdates())).toEqual([{ start: 0, end: 10, pairs: [['a', 5]] }]);
    expect(windows.takeUpdates()).toEqual([]);
  });

  it('sliding: a record changes every window that holds it', () => {
    const windows = update(Windows.sliding(20, 10));
    windows.add('a', 1, 5);
    expect(normalize(windows.takeUpdates())).toEqual([
      { start: -10, end: 10, pairs: [['a', 1]] },
      { start: 0, end: 20, pairs: [['a', 1]] },
    ]);
    windows.add('a', 2, 15);
    expect(normalize(windows.takeUpdates())).toEqual([
      { start: 0, end: 20, pairs: [['a', 3]] },
      { start: 10, end: 30, pairs: [['a', 2]] },
    ]);
  });

  it('windows the watermark closed are not reported', () => {
    const windows = update(Windows.sliding(20, 10));
    windows.add('a', 1, 5);
    windows.advance(10);
    expect(normalize(windows.takeUpdates())).toEqual([{ start: 0, end: 20, pairs: [['a', 1]] }]);
    windows.add('a', 2, 15);
    windows.advance(20);
    expect(normalize(windows.takeUpdates())).toEqual([{ start: 10, end: 30, pairs: [['a', 2]] }]);
  });

  it('a record is in the same windows as in final mode when the slide does not divide the size', () => {
    const spec = Windows.sliding(10, 4);
    const updates = update(spec, Aggregations.count());
    const finals = final(spec);
    for (const time of [1, 3]) {
      updates.add('a', 1, time);
      finals.add('a', 1, time);
    }
    finals.advance(Number.POSITIVE_INFINITY);
    // Windows start on multiples of the slide: [-8, 2) holds only 1; [-4, 6) and [0, 10) both.
    const expected = [
      { start: -8, end: 2, pairs: [['a', 1]] },
      { start: -4, end: 6, pairs: [['a', 2]] },
      { start: 0, end: 10, pairs: [['a', 2]] },
    ];
    expect(normalize(finals.takeFired())).toEqual(expected);
    expect(normalize(updates.takeUpdates())).toEqual(expected);
  });

  it('a pane stays until the last window holding it closes when the slide does not divide the size', () => {
    const windows = update(Windows.sliding(10, 4), Aggregations.count());
    windows.add('a', 1, 5);
    windows.takeUpdates();
    // [4, 14) is still open at watermark 10 and holds both records.
    windows.advance(10);
    windows.add('a', 1, 11);
    expect(normalize(windows.takeUpdates())).toEqual([
      { start: 4, end: 14, pairs: [['a', 2]] },
      { start: 8, end: 18, pairs: [['a', 1]] },
    ]);
    windows.advance(14);
    expect(windows.dict.size).toBe(1);
    windows.advance(18);
    expect(windows.dict.size).toBe(0);
  });

  it('releases a pane’s keys once the last window holding it closes', () => {
    const windows = update(Windows.sliding(20, 10));
    windows.add('a', 1, 5);
    windows.add('b', 1, 15);
    windows.add('b', 1, 16);
    windows.takeUpdates();
    expect(windows.dict.size).toBe(2);
    windows.advance(19);
    expect(windows.dict.size).toBe(2);
    windows.advance(20);
    expect(windows.dict.size).toBe(1);
    windows.advance(30);
    expect(windows.dict.size).toBe(0);
    expect(windows.takeUpdates()).toEqual([]);
  });

  it('a jump of the watermark drops every pane at once', () => {
    const windows = update(Windows.tumbling(1));
    windows.add('a', 1, 0);
    windows.add('b', 1, 1e15);
    windows.takeUpdates();
    windows.advance(2e15);
    expect(windows.dict.size).toBe(0);
    expect(windows.isLate(2e15 - 1)).toBe(true);
  });
});

describe('RecordWindows', () => {
  it('tumbling: each window’s values, panes in time order', () => {
    const windows = new RecordWindows(Windows.tumbling(10));
    windows.add('b', 9);
    windows.add('a', 1);
    windows.add('c', 12);
    windows.advance(20);
    expect(windows.takeFired()).toEqual([
      { start: 0, end: 10, values: ['b', 'a'] },
      { start: 10, end: 20, values: ['c'] },
    ]);
    windows.advance(100);
    expect(windows.takeFired()).toEqual([]);
  });

  it('sliding: a value is emitted for every window that holds it', () => {
    const windows = new RecordWindows(Windows.sliding(20, 10));
    windows.add('a', 5);
    windows.add('b', 15);
    windows.advance(Number.POSITIVE_INFINITY);
    expect(windows.takeFired()).toEqual([
      { start: -10, end: 10, values: ['a'] },
      { start: 0, end: 20, values: ['a', 'b'] },
      { start: 10, end: 30, values: ['b'] },
    ]);
  });

  it('windows without values are skipped, also across a jump of 10^15', () => {
    const windows = new RecordWindows(Windows.tumbling(10));
    windows.add('a', 5);
    windows.advance(10);
    windows.add('b', 95);
    windows.advance(200);
    windows.add('c', 1e15);
    windows.advance(Number.POSITIVE_INFINITY);
    expect(windows.takeFired()).toEqual([
      { start: 0, end: 10, values: ['a'] },
      { start: 90, end: 100, values: ['b'] },
      { start: 1e15, end: 1e15 + 10, values: ['c'] },
    ]);
  });

  it('a watermark that stops at a window end fires no empty window after it', () => {
    const windows = new RecordWindows(Windows.tumbling(1000));
    windows.add(500, 500);
    windows.add(2000, 2000);
    windows.advance(1000);
    expect(windows.takeFired()).toEqual([{ start: 0, end: 1000, values: [500] }]);
    windows.advance(2000);
    expect(windows.takeFired()).toEqual([]);
  });

  it('an out-of-order pane before the next end fires first; isLate follows the watermark', () => {
    const windows = new RecordWindows(Windows.tumbling(10));
    windows.add('a', 25);
    windows.advance(15);
    expect(windows.isLate(14)).toBe(true);
    expect(windows.isLate(16)).toBe(false);
    windows.add('b', 16);
    windows.advance(30);
    expect(windows.takeFired()).toEqual([
      { start: 10, end: 20, values: ['b'] },
      { start: 20, end: 30, values: ['a'] },
    ]);
  });
});

/** Moves the windows to `time`, takes what fired, and says what they hold then. */
function entriesAt(
  windows: { advance(time: number): void; takeFired(): unknown; readonly entries: number },
  time: number,
): number {
  windows.advance(time);
  windows.takeFired();
  return windows.entries;
}

describe('entries: what the windows hold, for the state-size metric', () => {
  it('keyed windows count each key once across its panes, and let it go with its last pane', () => {
    const windows = final(Windows.sliding(20, 10));
    expect(windows.entries).toBe(0);
    windows.add('a', 1, 1);
    windows.add('a', 1, 15);
    windows.add('b', 1, 15);
    expect(windows.entries).toBe(2);
    // A pane goes when the next window's eviction passes it: [0, 10) at 30, [10, 20) at 40.
    expect([20, 30, 40].map((time) => entriesAt(windows, time))).toEqual([2, 2, 0]);
  });

  it('record windows count the records they hold', () => {
    const windows = new RecordWindows(Windows.tumbling(10));
    windows.add('a', 1);
    windows.add('b', 2);
    windows.add('c', 12);
    expect(windows.entries).toBe(3);
    expect([10, 20, 30].map((time) => entriesAt(windows, time))).toEqual([3, 1, 0]);
  });
});
