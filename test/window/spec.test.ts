import { describe, expect, it } from 'vitest';
import { SluiceError } from '../../src/errors/index.ts';
import {
  batchIntervalProblem,
  firstWindowEnd,
  gcd,
  isSessionSpec,
  lastWindowEnd,
  type WindowSpec,
  Windows,
} from '../../src/window/index.ts';

function thrown(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (error) {
    if (error instanceof SluiceError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a SluiceError');
}

const invalid = (message: string) => ({ code: 'SLUICE_JOB_INVALID', message });

describe('Windows validation messages', () => {
  it.each<[string, () => WindowSpec, string]>([
    ['size 0', () => Windows.tumbling(0), 'window size must be a positive integer of milliseconds; got 0'],
    [
      'negative size',
      () => Windows.sliding(-10, 5),
      'window size must be a positive integer of milliseconds; got -10',
    ],
    [
      'fractional size',
      () => Windows.sliding(1.5, 1),
      'window size must be a positive integer of milliseconds; got 1.5',
    ],
    [
      'size beyond a safe integer',
      () => Windows.tumbling(2 ** 53),
      'window size must be a positive integer of milliseconds; got 9007199254740992',
    ],
    [
      'NaN size',
      () => Windows.tumbling(Number.NaN),
      'window size must be a positive integer of milliseconds; got NaN',
    ],
    [
      'slide 0',
      () => Windows.sliding(10, 0),
      'window slide must be a positive integer of milliseconds; got 0',
    ],
    [
      'fractional slide',
      () => Windows.sliding(10, 2.5),
      'window slide must be a positive integer of milliseconds; got 2.5',
    ],
    [
      'slide longer than the size',
      () => Windows.sliding(10, 20),
      'window slide must be in (0, size]: slide 20 ms is longer than size 10 ms',
    ],
  ])('%s', (_name, build, message) => {
    expect(thrown(build)).toEqual(invalid(message));
  });
});

describe('Windows.session validation messages', () => {
  it.each<[string, number, string]>([
    ['gap 0', 0, 'session gap must be a positive integer of milliseconds; got 0'],
    ['negative gap', -5, 'session gap must be a positive integer of milliseconds; got -5'],
    ['fractional gap', 0.5, 'session gap must be a positive integer of milliseconds; got 0.5'],
    ['NaN gap', Number.NaN, 'session gap must be a positive integer of milliseconds; got NaN'],
    [
      'infinite gap',
      Number.POSITIVE_INFINITY,
      'session gap must be a positive integer of milliseconds; got Infinity',
    ],
    [
      'gap beyond a Date',
      8.64e15 + 1,
      'session gap must be at most 8640000000000000 ms (the range of a Date); got 8640000000000001',
    ],
    [
      'gap beyond a safe integer',
      1e300,
      'session gap must be a positive integer of milliseconds; got 1e+300',
    ],
  ])('%s', (_name, gap, message) => {
    expect(thrown(() => Windows.session(gap))).toEqual(invalid(message));
  });

  it('a session spec is a frozen value; 1 ms and a Date-wide gap are allowed', () => {
    expect(Windows.session(30_000)).toEqual({ kind: 'session', gapMs: 30_000 });
    expect(Object.isFrozen(Windows.session(1))).toBe(true);
    expect(Windows.session(8.64e15).gapMs).toBe(8.64e15);
    expect(isSessionSpec(Windows.session(5))).toBe(true);
    expect(isSessionSpec(Windows.tumbling(5))).toBe(false);
  });
});

describe('Windows', () => {
  it('tumbling has slide = size = pane', () => {
    expect(Windows.tumbling(5000)).toEqual({ sizeMs: 5000, slideMs: 5000, paneMs: 5000 });
  });

  it.each([
    [10_000, 2_000, 2_000],
    [10_000, 4_000, 2_000],
    [7, 3, 1],
    [60_000, 60_000, 60_000],
    [9, 6, 3],
  ])('sliding(%i, %i) has panes of gcd %i', (size, slide, pane) => {
    expect(Windows.sliding(size, slide)).toEqual({ sizeMs: size, slideMs: slide, paneMs: pane });
  });

  it('specs are frozen values', () => {
    expect(Object.isFrozen(Windows.sliding(10, 5))).toBe(true);
  });

  it('gcd', () => {
    expect([gcd(12, 18), gcd(18, 12), gcd(5, 5), gcd(7, 1), gcd(0, 4)]).toEqual([6, 6, 5, 1, 4]);
  });
});

describe('window ends', () => {
  it('tumbling: the one window holding t', () => {
    const spec = Windows.tumbling(10);
    expect([0, 9, 10, -1, -10].map((t) => [firstWindowEnd(spec, t), lastWindowEnd(spec, t)])).toEqual([
      [10, 10],
      [10, 10],
      [20, 20],
      [0, 0],
      [0, 0],
    ]);
  });

  it('sliding: from the first window holding t to the last', () => {
    const spec = Windows.sliding(30, 10);
    expect([0, 5, 10, 29, -5].map((t) => [firstWindowEnd(spec, t), lastWindowEnd(spec, t)])).toEqual([
      [10, 30],
      [10, 30],
      [20, 40],
      [30, 50],
      [0, 20],
    ]);
  });

  it('sliding with a slide that does not divide the size: windows start on multiples of the slide', () => {
    const spec = Windows.sliding(10, 4);
    // t = 1 is in [-8, 2), [-4, 6) and [0, 10); t = 3 only in the last two; t = 8 in [0, 10), [4, 14), [8, 18).
    expect([1, 3, 8].map((t) => [firstWindowEnd(spec, t), lastWindowEnd(spec, t)])).toEqual([
      [2, 10],
      [6, 10],
      [10, 18],
    ]);
  });
});

describe('batchIntervalProblem', () => {
  it('is undefined when size and slide are multiples of the interval', () => {
    expect(batchIntervalProblem(Windows.sliding(10_000, 2_000), 1000)).toBeUndefined();
    expect(batchIntervalProblem(Windows.sliding(10_000, 2_000), 2000)).toBeUndefined();
  });

  it('names the size', () => {
    expect(batchIntervalProblem(Windows.sliding(2500, 2000), 1000)).toBe(
      'the window size must be a multiple of SLUICE_BATCH_INTERVAL_MS (1000); got 2500',
    );
  });

  it('names the slide', () => {
    expect(batchIntervalProblem(Windows.sliding(3000, 1500), 1000)).toBe(
      'the window slide must be a multiple of SLUICE_BATCH_INTERVAL_MS (1000); got 1500',
    );
  });

  it('names both, size first', () => {
    expect(batchIntervalProblem(Windows.sliding(2500, 1500), 1000)).toBe(
      'the window size must be a multiple of SLUICE_BATCH_INTERVAL_MS (1000); got 2500; ' +
        'the window slide must be a multiple of SLUICE_BATCH_INTERVAL_MS (1000); got 1500',
    );
  });

  it('speaks the caller’s names', () => {
    const names = { size: 'SLUICE_WINDOW_MS', slide: 'SLUICE_SLIDE_MS', interval: 'the batch interval' };
    expect(batchIntervalProblem(Windows.tumbling(1500), 1000, names)).toBe(
      'SLUICE_WINDOW_MS must be a multiple of the batch interval (1000); got 1500; ' +
        'SLUICE_SLIDE_MS must be a multiple of the batch interval (1000); got 1500',
    );
  });
});
