// The one retry loop: exponential backoff within a time budget, for outputs, Kafka calls and transactions.
import { setTimeout as wait } from 'node:timers/promises';

/** What a call is told about the attempt it makes. */
export type RetryAttempt = {
  /** 1 for the first call. */
  readonly attempt: number;
  /** `now()` when the first attempt started. */
  readonly startedAt: number;
};

/** What `onRetry` and `giveUp` are told about a failed attempt. */
export type RetryFailure = {
  readonly attempt: number;
  /** Since the first attempt started, read once when the attempt failed. */
  readonly elapsedMs: number;
};

export type RetryOptions = {
  /**
   * Gives up once the time since the first attempt plus the next wait would pass this, in
   * milliseconds; 0: no retry.
   */
  readonly budgetMs: number;
  readonly firstDelayMs: number;
  /** The wait doubles after each failure up to this. */
  readonly maxDelayMs: number;
  /** At most this many attempts; absent: as many as the budget allows. */
  readonly attempts?: number;
  /** Takes up to this fraction (0..1) off each wait at random, so that many retriers spread out. */
  readonly jitter?: number;
  /** Aborted: the failure at hand is the last, and a wait in progress ends early. */
  readonly signal?: AbortSignal;
  /** Whether `error` may go away on its own; the others are thrown at once, as they are. */
  readonly retryable?: (error: unknown) => boolean;
  /** Told before each wait (to log it). */
  readonly onRetry?: (error: unknown, failure: RetryFailure & { readonly delayMs: number }) => void;
  /** What is thrown when the budget, the attempts or the signal end the retries; the error itself by default. */
  readonly giveUp?: (error: unknown, failure: RetryFailure) => unknown;
  readonly now?: () => number;
  /** Waits `ms`, or less when `signal` aborts; never rejects. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** In [0, 1), for the jitter. */
  readonly random?: () => number;
};

/**
 * Calls `call` until it succeeds, waiting `firstDelayMs`, then twice as long each time up to
 * `maxDelayMs`, between attempts. A wait ended by the signal is followed by one more attempt.
 *
 * @example
 * await retry(() => write(batch), { budgetMs: 60_000, firstDelayMs: 100, maxDelayMs: 10_000 });
 */
export async function retry<T>(
  call: (attempt: RetryAttempt) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? sleepQuietly;
  const { signal } = options;
  const startedAt = now();
  let delay = options.firstDelayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call({ attempt, startedAt });
    } catch (error) {
      if (options.retryable && !options.retryable(error)) throw error;
      const elapsedMs = now() - startedAt;
      const delayMs = jittered(delay, options);
      const last = options.attempts !== undefined && attempt >= options.attempts;
      if (last || signal?.aborted || elapsedMs + delayMs > options.budgetMs) {
        throw options.giveUp ? options.giveUp(error, { attempt, elapsedMs }) : error;
      }
      options.onRetry?.(error, { attempt, elapsedMs, delayMs });
      await sleep(delayMs, signal);
      delay = Math.min(delay * 2, options.maxDelayMs);
    }
  }
}

function jittered(delay: number, { jitter, random = Math.random }: RetryOptions): number {
  if (!jitter) return delay;
  return Math.round(delay * (1 - Math.min(1, Math.max(0, jitter)) * random()));
}

async function sleepQuietly(ms: number, signal?: AbortSignal): Promise<void> {
  await wait(ms, undefined, signal ? { signal } : {}).catch(() => {});
}
