// Wraps user functions so a Promise (any thenable) fails as SLUICE_USER_FUNCTION, erasing types once.

import { ErrorCode, SluiceError } from '../errors/index.ts';
import type { AggregationSpec } from '../window/index.ts';

// Operators run their functions synchronously, record by record, in the worker slots and on the
// main thread: an `async` function's Promise would be taken for its value (every key `{}`, every
// filter true). So each user function is wrapped once, when the job is built, to fail at once;
// mapAsync and filterAsync are the operators that wait for Promises.
// The wrapper also takes `unknown` arguments: graph nodes hold functions over unknown values, and
// the DStream's type parameters already guaranteed, at the call that built the node, what they get.

function isThenable(value: unknown): boolean {
  return (
    ((typeof value === 'object' && value !== null) || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function notSynchronous(operator: string, what: string): SluiceError {
  return new SluiceError(
    ErrorCode.userFunction,
    `${operator} returned ${what}: operators are synchronous; make the function synchronous, call it with mapAsync or filterAsync, or do asynchronous work in foreachBatch`,
  );
}

function checked<R>(operator: string, result: R): R {
  if (isThenable(result)) throw notSynchronous(operator, 'a Promise');
  return result;
}

/** `fn`, failing with `SLUICE_USER_FUNCTION` naming `operator` when it returns a Promise (any thenable). */
export function synchronous<A, R>(operator: string, fn: (a: A) => R): (a: unknown) => R {
  const call = fn as (a: unknown) => R;
  return (a) => checked(operator, call(a));
}

export function synchronous2<A, B, R>(
  operator: string,
  fn: (a: A, b: B) => R,
): (a: unknown, b: unknown) => R {
  const call = fn as (a: unknown, b: unknown) => R;
  return (a, b) => checked(operator, call(a, b));
}

export function synchronous3<A, B, C, R>(
  operator: string,
  fn: (a: A, b: B, c: C) => R,
): (a: unknown, b: unknown, c: unknown) => R {
  const call = fn as (a: unknown, b: unknown, c: unknown) => R;
  return (a, b, c) => checked(operator, call(a, b, c));
}

/** A flatMap function: neither a Promise nor an async iterable (an `async function*`). */
export function synchronousIterable<A, R>(operator: string, fn: (a: A) => R): (a: unknown) => R {
  const call = fn as (a: unknown) => R;
  return (a) => {
    const result = checked(operator, call(a));
    if (typeof result === 'object' && result !== null && Symbol.asyncIterator in result) {
      throw notSynchronous(operator, 'an async iterable');
    }
    return result;
  };
}

/** A window aggregation whose user functions (a custom one's) are each checked. */
export function synchronousAggregation(operator: string, spec: AggregationSpec): AggregationSpec {
  if (spec.kind !== 'custom') return spec;
  const { init, add, merge, subtract, result } = spec;
  return {
    kind: 'custom',
    init: synchronous(operator, init),
    add: synchronous2(operator, add),
    merge: synchronous2(operator, merge),
    ...(subtract ? { subtract: synchronous2(operator, subtract) } : {}),
    ...(result ? { result: synchronous(operator, result) } : {}),
  };
}
