// Kafka errors by name, and retrying a Kafka call with backoff within a time budget.

import { retry } from '../core/index.ts';
import { ErrorCode, SluiceError } from '../errors/index.ts';

export type KafkaRetryLog = { warn(object: object, message: string): void };

/** The run's retry budget for Kafka calls: SLUICE_KAFKA_RETRY_TIMEOUT_MS, over SLUICE_BROKERS. */
export function kafkaRetry(
  config: { readonly kafkaRetryTimeoutMs: number; readonly brokers?: readonly string[] | undefined },
  log: KafkaRetryLog,
): KafkaRetryOptions {
  return { timeoutMs: config.kafkaRetryTimeoutMs, brokers: config.brokers ?? [], log };
}

export type KafkaRetryOptions = {
  /** SLUICE_KAFKA_RETRY_TIMEOUT_MS: how long the brokers may be away before the run stops. */
  readonly timeoutMs: number;
  /** Named in the error that stops the run. */
  readonly brokers: readonly string[];
  readonly log: KafkaRetryLog;
  readonly firstDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly now?: () => number;
};

const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 2_000;

/**
 * The Kafka error code name (`UNKNOWN_MEMBER_ID`, …) of a kafkajs error or of one of its causes:
 * kafkajs wraps protocol errors (KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded).
 */
export function kafkaErrorType(error: unknown): string | undefined {
  for (let link = error, depth = 0; link instanceof Error && depth < 8; link = link.cause, depth++) {
    const type = (link as { type?: unknown }).type;
    if (typeof type === 'string') return type;
  }
  return undefined;
}

/** As kafkajs decides whether to restart a crashed consumer: its spent retries, or a retriable cause. */
export function isRetriableKafkaError(error: unknown): boolean {
  if (error instanceof SluiceError) return false;
  if (error instanceof Error && error.name === 'KafkaJSNumberOfRetriesExceeded') return true;
  let cause = error;
  while (cause instanceof Error && cause.cause instanceof Error) cause = cause.cause;
  return (cause as { retriable?: unknown } | undefined)?.retriable === true;
}

/** The error that stops a run whose brokers stayed away for the whole retry budget. */
export function kafkaUnavailable(
  what: string,
  { brokers, timeoutMs }: Pick<KafkaRetryOptions, 'brokers' | 'timeoutMs'>,
  cause: unknown,
): SluiceError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new SluiceError(
    ErrorCode.kafkaUnavailable,
    `Kafka brokers ${brokers.join(',')} (SLUICE_BROKERS) did not answer for ${timeoutMs} ms (SLUICE_KAFKA_RETRY_TIMEOUT_MS) while ${what}: ${reason}`,
    { cause },
  );
}

/**
 * Runs `call` again, with backoff from 100 ms doubling to 2 s, while it fails with an error a
 * reconnect can cure, until `timeoutMs` has passed since the first failure. One attempt can
 * outlast the budget inside kafkajs's own retries, so each races the time left.
 */
export function retryingKafka<T>(
  what: string,
  call: () => Promise<T>,
  options: KafkaRetryOptions,
): Promise<T> {
  const now = options.now ?? Date.now;
  return retry(({ startedAt }) => withDeadline(call(), options.timeoutMs - (now() - startedAt)), {
    budgetMs: options.timeoutMs,
    firstDelayMs: options.firstDelayMs ?? FIRST_DELAY_MS,
    maxDelayMs: options.maxDelayMs ?? MAX_DELAY_MS,
    now,
    retryable: isRetriableKafkaError,
    giveUp: (error) => kafkaUnavailable(what, options, error),
    onRetry: (error, { attempt, delayMs }) =>
      options.log.warn(
        { attempt, retryInMs: delayMs, error: error instanceof Error ? error.message : String(error) },
        `Kafka unavailable while ${what}; retrying`,
      ),
  });
}

class AttemptTimeout extends Error {
  readonly retriable = true;
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'AttemptTimeout';
  }
}

async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AttemptTimeout(Math.max(0, ms))), Math.max(0, ms));
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
    // The abandoned attempt may still fail later; that is not the caller's failure any more.
    promise.catch(() => {});
  }
}
