// mapAsync and filterAsync: what a call is told, the options a job gives, and their validation.

import { ErrorCode, SluiceError, sampleValue } from '../errors/index.ts';

/** What each call of a `mapAsync` or `filterAsync` function is given besides the value. */
export type AsyncCall = {
  /** Aborted when the call times out (`timeoutMs`) or the batch fails: hand it to `fetch`. */
  readonly signal: AbortSignal;
  /** 1 for the first call of a value, 2 for its first retry, … */
  readonly attempt: number;
};

/** Options of `mapAsync` and `filterAsync`. */
export type AsyncOptions = {
  /** At most this many calls per partition are started and not yet handed on (default 16). */
  readonly concurrency?: number;
  /** A call that has not settled after this long fails, its signal aborted (default 30,000 ms). */
  readonly timeoutMs?: number;
  /**
   * A call that still fails after its attempts stops the run with `SLUICE_USER_FUNCTION`
   * (`fail`, the default), or sends its input record to `SLUICE_DLQ_TOPIC` (`dlq`).
   */
  readonly onError?: AsyncErrorPolicy;
  /** Retries with exponential backoff before the `onError` policy applies (default: 1 attempt). */
  readonly retry?: { readonly attempts: number; readonly backoffMs?: number };
};

export type AsyncErrorPolicy = 'fail' | 'dlq';

/** The options resolved: every field set. */
export type AsyncSpec = {
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly onError: AsyncErrorPolicy;
  readonly attempts: number;
  /** The first wait between attempts; it doubles up to `maxBackoffMs`. */
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
};

export const ASYNC_DEFAULTS = {
  concurrency: 16,
  timeoutMs: 30_000,
  onError: 'fail',
  attempts: 1,
  backoffMs: 100,
} as const;

// setTimeout takes at most 2^31 - 1 ms; a longer delay fires at once.
const MAX_TIMEOUT_MS = 2_147_483_647;
const MAX_CONCURRENCY = 10_000;
const MAX_ATTEMPTS = 100;
const MAX_BACKOFF_MS = 600_000;
/** Waits between attempts double up to this, or up to `backoffMs` when it is longer. */
const BACKOFF_CAP_MS = 30_000;
const POLICIES: readonly AsyncErrorPolicy[] = ['fail', 'dlq'];
const OPTIONS = ['concurrency', 'timeoutMs', 'onError', 'retry'];
const RETRY_OPTIONS = ['attempts', 'backoffMs'];

/**
 * The options of `operator` (`mapAsync (node 3)`) resolved, or `SLUICE_JOB_INVALID` naming the
 * first one that is wrong and what it may be.
 */
export function asyncSpec(operator: string, options: unknown): AsyncSpec {
  const given = record(operator, 'options', options, OPTIONS);
  const retry = given.retry === undefined ? {} : record(operator, 'retry', given.retry, RETRY_OPTIONS);
  if (given.retry !== undefined && retry.attempts === undefined) {
    throw invalid(operator, 'retry.attempts is required with retry');
  }
  const onError = given.onError ?? ASYNC_DEFAULTS.onError;
  if (!POLICIES.includes(onError as AsyncErrorPolicy)) {
    throw invalid(operator, `onError must be 'fail' or 'dlq'; got ${sampleValue(onError)}`);
  }
  const backoffMs = integer(
    operator,
    'retry.backoffMs',
    retry.backoffMs,
    ASYNC_DEFAULTS.backoffMs,
    0,
    MAX_BACKOFF_MS,
  );
  return {
    concurrency: integer(
      operator,
      'concurrency',
      given.concurrency,
      ASYNC_DEFAULTS.concurrency,
      1,
      MAX_CONCURRENCY,
    ),
    timeoutMs: integer(operator, 'timeoutMs', given.timeoutMs, ASYNC_DEFAULTS.timeoutMs, 1, MAX_TIMEOUT_MS),
    onError: onError as AsyncErrorPolicy,
    attempts: integer(operator, 'retry.attempts', retry.attempts, ASYNC_DEFAULTS.attempts, 1, MAX_ATTEMPTS),
    backoffMs,
    maxBackoffMs: Math.max(backoffMs, BACKOFF_CAP_MS),
  };
}

function invalid(operator: string, problem: string): SluiceError {
  return new SluiceError(ErrorCode.jobInvalid, `${operator}: ${problem}`);
}

/** `value` as a plain object of the `known` fields; undefined is an empty one. */
function record(
  operator: string,
  name: string,
  value: unknown,
  known: readonly string[],
): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(operator, `${name} must be an object; got ${sampleValue(value)}`);
  }
  const unknown = Object.keys(value).find((key) => !known.includes(key));
  if (unknown !== undefined) {
    throw invalid(
      operator,
      `unknown option ${sampleValue(unknown)} in ${name}; the options are ${known.join(', ')}`,
    );
  }
  return value as Record<string, unknown>;
}

function integer(
  operator: string,
  name: string,
  value: unknown,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw invalid(operator, `${name} must be an integer from ${min} to ${max}; got ${sampleValue(value)}`);
  }
  return value;
}
