// Window specs (size, slide, pane; session gap) built by validating factories, and the window arithmetic on them.

import { ErrorCode, SluiceError } from '../errors/index.ts';

/**
 * A window of `sizeMs` that advances by `slideMs`, aligned to the epoch: the windows are
 * `[n·slide, n·slide + size)`. Tumbling windows have `slideMs === sizeMs`. `paneMs` is
 * gcd(size, slide): every window is a whole number of panes and every pane a whole number of slides' parts.
 */
export type WindowSpec = {
  readonly sizeMs: number;
  readonly slideMs: number;
  readonly paneMs: number;
};

export function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

function checkDuration(what: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new SluiceError(
      ErrorCode.jobInvalid,
      `${what} must be a positive integer of milliseconds; got ${value}`,
    );
  }
}

/**
 * Session windows of one key: records less than `gapMs` apart share a session, which spans
 * `[first event time, last event time + gapMs)` (Flink's bounds). Event time only.
 */
export type SessionWindowSpec = {
  readonly kind: 'session';
  readonly gapMs: number;
};

/** Whether a window aggregation's spec is a session spec (the others are time windows). */
export function isSessionSpec(spec: WindowSpec | SessionWindowSpec): spec is SessionWindowSpec {
  return 'kind' in spec && spec.kind === 'session';
}

/**
 * Validated window specs, like Kafka Streams' `TimeWindows` and `SessionWindows`.
 *
 * @example
 * Windows.sliding(10_000, 2_000); // { sizeMs: 10000, slideMs: 2000, paneMs: 2000 }
 * Windows.session(30_000); // { kind: 'session', gapMs: 30000 }
 */
export const Windows = {
  tumbling(sizeMs: number): WindowSpec {
    return Windows.sliding(sizeMs, sizeMs);
  },
  sliding(sizeMs: number, slideMs: number): WindowSpec {
    checkDuration('window size', sizeMs);
    checkDuration('window slide', slideMs);
    if (slideMs > sizeMs) {
      throw new SluiceError(
        ErrorCode.jobInvalid,
        `window slide must be in (0, size]: slide ${slideMs} ms is longer than size ${sizeMs} ms`,
      );
    }
    return Object.freeze({ sizeMs, slideMs, paneMs: gcd(sizeMs, slideMs) });
  },
  /** Sessions closed by `gapMs` of event time without a record of their key (`withWatermark` first). */
  session(gapMs: number): SessionWindowSpec {
    checkDuration('session gap', gapMs);
    // A longer gap would only say "one session for ever" and take session ends far past a Date.
    if (gapMs > MAX_EVENT_TIME) {
      throw new SluiceError(
        ErrorCode.jobInvalid,
        `session gap must be at most ${MAX_EVENT_TIME} ms (the range of a Date); got ${gapMs}`,
      );
    }
    return Object.freeze({ kind: 'session', gapMs });
  },
} as const;

/**
 * The latest event time, in epoch ms, and minus the earliest: the range of a Date (±100,000,000
 * days). Within it, the end of every window shorter than 11 years is an exact integer.
 */
export const MAX_EVENT_TIME = 8.64e15;

/** What {@link isEventTime} accepts, for messages. */
export const EVENT_TIME_RANGE = 'epoch milliseconds within the range of a Date (±8.64e15)';

/** Epoch milliseconds that windows can hold: a number within ±MAX_EVENT_TIME (so not NaN, not ±∞). */
export function isEventTime(time: unknown): time is number {
  return typeof time === 'number' && time >= -MAX_EVENT_TIME && time <= MAX_EVENT_TIME;
}

/** The end of the first window that holds time `t`: windows start on multiples of the slide. */
export function firstWindowEnd(spec: WindowSpec, t: number): number {
  return (Math.floor((t - spec.sizeMs) / spec.slideMs) + 1) * spec.slideMs + spec.sizeMs;
}

/** The end of the last window that holds time `t`. */
export function lastWindowEnd(spec: WindowSpec, t: number): number {
  return Math.floor(t / spec.slideMs) * spec.slideMs + spec.sizeMs;
}

/**
 * The ends of the windows that hold time `t`, oldest first: counted in integers, so never more
 * than ceil(size / slide) of them whatever `t` is.
 */
export function windowEnds(spec: WindowSpec, t: number): number[] {
  const first = firstWindowEnd(spec, t);
  const count = Math.min(
    (lastWindowEnd(spec, t) - first) / spec.slideMs + 1,
    Math.ceil(spec.sizeMs / spec.slideMs),
  );
  const ends: number[] = [];
  for (let n = 0; n < count; n++) ends.push(first + n * spec.slideMs);
  return ends;
}

/**
 * Processing-time windows run on batch times, so size and slide must be multiples of the batch
 * interval (Spark's rule). Returns the problem, or undefined.
 */
export function batchIntervalProblem(
  spec: WindowSpec,
  intervalMs: number,
  names = DSTREAM_NAMES,
): string | undefined {
  const bad = [
    [names.size, spec.sizeMs],
    [names.slide, spec.slideMs],
  ].filter(([, value]) => (value as number) % intervalMs !== 0);
  if (bad.length === 0) return undefined;
  return bad
    .map(([name, value]) => `${name} must be a multiple of ${names.interval} (${intervalMs}); got ${value}`)
    .join('; ');
}

const DSTREAM_NAMES = {
  size: 'the window size',
  slide: 'the window slide',
  interval: 'SLUICE_BATCH_INTERVAL_MS',
};
