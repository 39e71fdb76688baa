// Asynchronous operators (mapAsync, filterAsync): bounded calls in flight, results in input order, retries, timeouts.
import { retry } from '../../core/index.ts';
import type { AsyncNode } from '../../dsl/index.ts';
import { ErrorCode, errorText, isSluiceError, SluiceError } from '../../errors/index.ts';
import type { AsyncStage, BatchScope, Calls, Receiver } from './types.ts';

/** One value's call, from its push to its handing on. */
type Call = {
  readonly value: unknown;
  readonly time: number;
  readonly record: number;
  state: 'waiting' | 'running' | 'done' | 'failed';
  result: unknown;
  error: unknown;
  attempts: number;
  /** The attempt in flight's: aborting it cancels the user's I/O. */
  controller: AbortController | undefined;
};

/** Handed-on calls are dropped from the queue's front past this many. */
const COMPACT_AFTER = 1024;

function slotCalls(node: AsyncNode, scope: BatchScope): Calls {
  if (!scope.calls) {
    throw new SluiceError(ErrorCode.jobInvalid, `${node.kind} runs in the workers, never on the main thread`);
  }
  return scope.calls;
}

/**
 * `mapAsync` or `filterAsync` in a slot. As Flink's ordered async I/O: at most `concurrency`
 * values are held, their calls started in push order; a value goes on once its call and every
 * earlier one settled, with the event time and record it came with.
 */
export function asyncStage(node: AsyncNode, scope: BatchScope, emit: Receiver): AsyncStage {
  const calls = slotCalls(node, scope);
  const label = `${node.kind} (node ${node.id})`;
  const { concurrency } = node.options;
  const stop = new AbortController();
  // The calls held are queue[head…]; they start in push order, queue[next] the next to start.
  // A head index, not shift(): a transform or flatMap may push a whole batch at once.
  const queue: (Call | undefined)[] = [];
  let head = 0;
  let next = 0;

  const start = (): void => {
    while (next < queue.length && next - head < concurrency && !stop.signal.aborted) {
      const call = queue[next++] as Call;
      call.state = 'running';
      invoke(node, call, stop.signal).then(
        (result) => {
          call.state = 'done';
          call.result = result;
          calls.settled();
        },
        (error: unknown) => {
          call.state = 'failed';
          call.error = error;
          calls.settled();
        },
      );
    }
  };

  /** Drops the handed-on calls from the front once they are most of the queue. */
  const compact = (): void => {
    if (head === queue.length) {
      queue.length = 0;
      head = next = 0;
    } else if (head >= COMPACT_AFTER && head * 2 >= queue.length) {
      queue.splice(0, head);
      next -= head;
      head = 0;
    }
  };

  const handOn = (call: Call): void => {
    if (call.state === 'done') {
      if (node.kind === 'mapAsync') emit(call.result);
      else if (call.result) emit(call.value);
      return;
    }
    // A SLUICE_DECODE error is the record's fault: the decode policy takes it, as in any operator.
    if (isSluiceError(call.error, ErrorCode.decode)) throw call.error;
    const tries = call.attempts > 1 ? ` after ${call.attempts} attempts` : '';
    const message = `${label} failed${tries}: ${errorText(call.error)}`;
    // A value made at the batch end (by a transform or a window) has no record to dead-letter.
    if (node.options.onError === 'dlq' && call.record >= 0) calls.deadLetter(call.record, message);
    else throw new SluiceError(ErrorCode.userFunction, message, { cause: call.error });
  };

  return {
    push: (value) => {
      queue.push({
        value,
        time: scope.time,
        record: scope.record,
        state: 'waiting',
        result: undefined,
        error: undefined,
        attempts: 0,
        controller: undefined,
      });
      start();
    },
    get held() {
      return queue.length - head;
    },
    get full() {
      return queue.length - head >= concurrency;
    },
    flush: () => {
      for (let call = queue[head]; call && (call.state === 'done' || call.state === 'failed'); ) {
        queue[head++] = undefined;
        compact();
        // The next calls start before this value goes on: they run while the operators after work.
        start();
        scope.time = call.time;
        scope.record = call.record;
        handOn(call);
        call = queue[head];
      }
    },
    abort: () => {
      stop.abort(new SluiceError(ErrorCode.userFunction, `${label}: the batch stopped`));
      for (let at = head; at < next; at++) queue[at]?.controller?.abort(stop.signal.reason);
    },
  };
}

/** The call's attempts: each with its timeout, retried with backoff while the batch goes on. */
function invoke(node: AsyncNode, call: Call, stopped: AbortSignal): Promise<unknown> {
  const { attempts, backoffMs, maxBackoffMs } = node.options;
  return retry(
    ({ attempt }) => {
      // The retry helper tries once more after a wait the signal ended: not here.
      if (stopped.aborted) return Promise.reject(stopped.reason);
      call.attempts = attempt;
      return attemptOnce(node, call, attempt);
    },
    {
      budgetMs: Number.POSITIVE_INFINITY,
      firstDelayMs: backoffMs,
      maxDelayMs: maxBackoffMs,
      attempts,
      signal: stopped,
      retryable: (error) => !stopped.aborted && !isSluiceError(error, ErrorCode.decode),
    },
  );
}

/**
 * One call of the user's function, which may return a value, a Promise or any thenable, or throw.
 * It fails when its timeout passes or the batch stops, whether or not the function heeds the signal.
 */
function attemptOnce(node: AsyncNode, call: Call, attempt: number): Promise<unknown> {
  const { timeoutMs } = node.options;
  const controller = new AbortController();
  call.controller = controller;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      controller.abort(
        new SluiceError(ErrorCode.userFunction, `no result within ${timeoutMs} ms (timeoutMs)`),
      );
    }, timeoutMs);
    controller.signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(controller.signal.reason);
      },
      { once: true },
    );
    const settle = (ok: boolean, outcome: unknown): void => {
      clearTimeout(timer);
      if (ok) resolve(outcome);
      else reject(outcome);
    };
    try {
      Promise.resolve(node.fn(call.value, { signal: controller.signal, attempt })).then(
        (result) => settle(true, result),
        (error: unknown) => settle(false, error),
      );
    } catch (error) {
      settle(false, error);
    }
  });
}
