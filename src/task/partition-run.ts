// A slot's run of one partition batch: records decoded and pushed through the pipeline, failures sorted out.
import { type BatchInfo, LatencyHistogram, type Origin, type SourceRecord } from '../core/index.ts';
import type { Plan } from '../dsl/index.ts';
import {
  ErrorCode,
  errorText,
  isSluiceError,
  MAX_CAUSES,
  slotErrorData,
  stackOf,
  userFrame,
} from '../errors/index.ts';
import { isEventTime } from '../window/index.ts';
import type { Calls } from './operators/types.ts';
import type {
  DecodeFailure,
  DecodePolicy,
  PartitionResult,
  RecordInput,
  RunOptions,
} from './partition-types.ts';
import { SlotPipeline } from './pipeline.ts';
import { BatchWindows, type PartitionStore } from './window-ops.ts';

const SKIP_SAMPLE = 5;

/**
 * Whether an error thrown while a record went through the operators is the record's fault: a
 * `SLUICE_DECODE` error, which the engine throws for an event time it cannot use and a job throws
 * for a value it cannot read. Anything else a function throws (a `SyntaxError` of its own
 * `JSON.parse` too) is the function's. What `RecordInput.record` throws is always a decode error.
 */
export function isDecodeError(error: unknown): boolean {
  return isSluiceError(error, ErrorCode.decode);
}

export function describeOrigin(origin: Origin): string {
  return `topic ${origin.topic}, partition ${origin.partition}, offset ${origin.offset}`;
}

/**
 * `; thrown at /path/job.ts:12:9`: where in the job's own code the error (or the first of its
 * causes that says) came from (not Sluice's src/, not node_modules), so that a user function's
 * failure names its line; empty when unknown.
 */
function thrownAt(error: unknown): string {
  let link = error;
  for (let depth = 0; link instanceof Error && depth <= MAX_CAUSES; depth++) {
    const stack = stackOf(link);
    const frame = stack === undefined ? undefined : userFrame(stack);
    if (frame !== undefined) return `; thrown at ${frame}`;
    link = link.cause;
  }
  return '';
}

/**
 * Runs the worker side of the plan over one partition's batch: each record is pushed through the
 * operators up to the aggregations, which keep per-key partials. A plan with asynchronous
 * operators runs in `runPartitionAsync`.
 */
export function runPartition(
  plan: Plan,
  input: RecordInput,
  info: BatchInfo,
  policy: DecodePolicy,
  options: RunOptions = {},
): PartitionResult {
  const run = new PartitionRun(plan, input, info, policy, options);
  for (let index = 0; index < input.count; index++) if (!run.push(index)) return run.result();
  run.end(0);
  return run.result();
}

/**
 * `runPartition` for a plan with mapAsync or filterAsync: the records go in while the
 * asynchronous stages have room, and each is drained before the stages after it end. Once the
 * batch stops (a failed call under `fail`), the calls still in flight are aborted.
 */
export async function runPartitionAsync(
  plan: Plan,
  input: RecordInput,
  info: BatchInfo,
  policy: DecodePolicy,
  options: RunOptions = {},
): Promise<PartitionResult> {
  const wakeup = new Wakeup();
  const run = new PartitionRun(plan, input, info, policy, options, wakeup);
  try {
    let going = true;
    for (let index = 0; going && index < input.count; index++) {
      going = run.push(index) && (!run.full || (await run.settle(wakeup, () => !run.full)));
    }
    for (let at = going ? run.end(0) : -1; at >= 0; at = run.end(at)) {
      if (!(await run.settle(wakeup, () => run.drained(at)))) break;
    }
    return run.result();
  } finally {
    run.abort();
  }
}

/** Resolves `wait()` at the next `wake()`, or at once for a wake since the last wait. */
class Wakeup {
  #woken = false;
  #resolve: (() => void) | undefined;

  wake(): void {
    const resolve = this.#resolve;
    this.#resolve = undefined;
    if (resolve) resolve();
    else this.#woken = true;
  }

  wait(): Promise<void> {
    if (this.#woken) {
      this.#woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }
}

/**
 * One partition batch in its slot: the pipeline, the failures so far by policy, the records'
 * ages; `stopped` once a failure ends the batch.
 */
class PartitionRun {
  readonly #input: RecordInput;
  readonly #policy: DecodePolicy;
  readonly #plan: Plan;
  readonly #windows: BatchWindows;
  readonly #pipeline: SlotPipeline;
  readonly #failures: DecodeFailure[] = [];
  readonly #callFailures: DecodeFailure[] = [];
  readonly #deadLettered = new Set<number>();
  #decodeErrors = 0;
  #stopped: PartitionResult | undefined;
  readonly #store: PartitionStore | undefined;
  readonly #at: number;
  /** performance.now() when the run began: its time in the slot, per batch and not per record. */
  readonly #began = performance.now();
  readonly #latencyField: string | undefined;
  readonly #ages: LatencyHistogram | undefined;

  constructor(
    plan: Plan,
    input: RecordInput,
    info: BatchInfo,
    policy: DecodePolicy,
    options: RunOptions,
    wakeup?: Wakeup,
  ) {
    this.#plan = plan;
    this.#input = input;
    this.#policy = policy;
    this.#store = options.store;
    const cursor = {
      origin: () => this.#origin(this.#pipeline.record),
      raw: () => input.raw(this.#pipeline.record),
    };
    this.#windows = new BatchWindows(
      plan,
      info,
      options.store ?? new Map(),
      cursor,
      options.latePolicy ?? 'count',
      options.maxEventTimeAheadMs,
    );
    const calls: Calls | undefined = wakeup && {
      settled: () => {
        wakeup.wake();
        options.callSettled?.();
      },
      deadLetter: (record, error) => this.#deadLetter(record, error),
    };
    this.#pipeline = new SlotPipeline(
      plan,
      info,
      this.#windows,
      options.statePartitions,
      options.kafkaLayouts,
      calls,
      options.operatorTimer,
    );
    this.#at = (options.clock ?? Date.now)();
    this.#latencyField = options.latencyField;
    this.#ages =
      (input.createdAt || options.latencyField !== undefined) && input.count > 0
        ? new LatencyHistogram()
        : undefined;
  }

  /** Whether an asynchronous stage holds as many values as it may. */
  get full(): boolean {
    return this.#pipeline.asyncStages.some((stage) => stage.full);
  }

  /** Record `index` through the operators; false once the batch stopped. */
  push(index: number): boolean {
    const outcome = pushRecord(this.#input, index, this.#pipeline);
    if (!('record' in outcome)) return this.#failed(index, outcome.error, outcome.decode);
    // Kafka's "no timestamp" is -1; such a record (or one without the field) has no age to count,
    // nor has one whose time no clock reads (1e300, nanoseconds in an epoch-ms field).
    const created =
      this.#latencyField !== undefined
        ? fieldTime(outcome.record.value, this.#latencyField)
        : (this.#input.createdAt?.(index) ?? 0);
    // Microseconds, so that the histogram keeps sub-millisecond shifts apart.
    if (created > 0 && isEventTime(created)) this.#ages?.record((this.#at - created) * 1000);
    return true;
  }

  /**
   * Hands on what the asynchronous stages can, then waits for calls to settle until `done()`;
   * false once the batch stopped.
   */
  async settle(wakeup: Wakeup, done: () => boolean): Promise<boolean> {
    for (;;) {
      if (!this.#flush()) return false;
      if (done()) return true;
      await wakeup.wait();
    }
  }

  /** Whether the asynchronous stage of node `id` has handed every value on. */
  drained(id: number): boolean {
    return (this.#pipeline.asyncStage(id)?.held ?? 0) === 0;
  }

  /**
   * The stages' ends from node `from` on; the node of an asynchronous stage to drain first, or -1
   * once all ended or the batch stopped.
   */
  end(from: number): number {
    if (this.#stopped) return -1;
    try {
      return this.#pipeline.endFrom(from);
    } catch (error) {
      this.#endFailed(error, 'in transform');
      return -1;
    }
  }

  /** Stops the batch for an error at its end, where no record is at hand. */
  #endFailed(error: unknown, where: string): false {
    const input = this.#input;
    const fatal = {
      code: ErrorCode.userFunction,
      message: `${errorText(error)} (${where}, ${input.topic}-${input.partition}${thrownAt(error)})`,
    };
    this.#stop({ fatal, fatalError: slotErrorData(error) });
    return false;
  }

  abort(): void {
    for (const stage of this.#pipeline.asyncStages) stage.abort();
  }

  result(): PartitionResult {
    if (this.#stopped) return this.#stopped;
    const windows = this.#windows;
    const fired = this.#pipeline.fired;
    const store = this.#store;
    const ages = this.#ages;
    return {
      ...this.#base(),
      exports: this.#pipeline.exports(),
      ...(windows.late > 0
        ? { late: windows.late, lateSample: windows.lateSample, lateFailures: windows.lateDeadLetters }
        : {}),
      ...(this.#callFailures.length > 0 ? { callFailures: this.#callFailures } : {}),
      ...(fired.length > 0 ? { fired } : {}),
      ...(this.#plan.watermarks.size > 0 ? { eventTimes: windows.maxEventTimes() } : {}),
      ...(store && this.#plan.windows.length > 0
        ? { stateEntries: storeEntries(store), windowEntries: windowEntries(store) }
        : {}),
      operators: this.#pipeline.emitted,
      operatorMs: this.#pipeline.operatorMs(),
      slotMs: performance.now() - this.#began,
      ...(ages && ages.count > 0 ? { latency: { at: this.#at, ages: ages.toSparse() } } : {}),
    };
  }

  /** Hands on every asynchronous stage's settled values, a failure at a time; false once stopped. */
  #flush(): boolean {
    for (const stage of this.#pipeline.asyncStages) {
      for (;;) {
        try {
          stage.flush();
          break;
        } catch (error) {
          if (!this.#failed(this.#pipeline.record, error, isDecodeError(error))) return false;
        }
      }
    }
    return true;
  }

  /**
   * Record `index` failed with `error`; false when that stops the batch. A value made at the
   * batch end (index -1) has no record to skip or dead-letter: its failure stops the batch.
   */
  #failed(index: number, error: unknown, decode: boolean): boolean {
    if (index < 0) return this.#endFailed(error, 'on a value made at the batch end');
    const origin = this.#origin(index);
    if (!decode) {
      const message = `${errorText(error)} (at ${describeOrigin(origin)}${thrownAt(error)})`;
      this.#stop({
        fatal: { code: ErrorCode.userFunction, message },
        fatalError: slotErrorData(error),
      });
      return false;
    }
    const message = errorText(error);
    this.#decodeErrors++;
    if (this.#policy === 'fail') {
      const fatal = {
        code: ErrorCode.decode,
        message: `cannot decode record at ${describeOrigin(origin)}: ${message}`,
      };
      this.#stop({ fatal, failures: [{ ...origin, error: message }] });
      return false;
    }
    if (this.#policy === 'dlq') this.#failures.push({ ...origin, error: message, ...this.#input.raw(index) });
    else if (this.#failures.length < SKIP_SAMPLE) this.#failures.push({ ...origin, error: message });
    return true;
  }

  /** A failed call's record to the dead-letter topic, once whatever else of it failed. */
  #deadLetter(index: number, error: string): void {
    if (this.#deadLettered.has(index)) return;
    this.#deadLettered.add(index);
    this.#callFailures.push({ ...this.#origin(index), error, ...this.#input.raw(index) });
  }

  #stop(fields: Pick<PartitionResult, 'fatal' | 'fatalError'> & { failures?: DecodeFailure[] }): void {
    this.#stopped = { ...this.#base(), exports: [], failures: this.#failures, ...fields };
    this.abort();
  }

  #base(): Omit<PartitionResult, 'exports'> {
    const { topic, partition, count } = this.#input;
    return { topic, partition, records: count, decodeErrors: this.#decodeErrors, failures: this.#failures };
  }

  #origin(index: number): Origin {
    const input = this.#input;
    return { topic: input.topic, partition: input.partition, offset: input.offset(index) };
  }
}

/**
 * Decodes record `index` and pushes it through the operators; says where it failed, if it did.
 * Failing to decode is the record's fault whatever was thrown; in the operators, see isDecodeError.
 */
function pushRecord(
  input: RecordInput,
  index: number,
  pipeline: SlotPipeline,
): { readonly record: SourceRecord } | { readonly decode: boolean; readonly error: unknown } {
  let record: SourceRecord;
  try {
    record = input.record(index);
  } catch (error) {
    return { decode: true, error };
  }
  try {
    pipeline.push(record, index);
    return { record };
  } catch (error) {
    return { decode: isDecodeError(error), error };
  }
}

/**
 * A value's own time in `field` (epoch ms, or an ISO-8601 text), for its latency; NaN when the
 * value is not an object with that field (its own, never an inherited one) of either type.
 */
export function fieldTime(value: unknown, field: string): number {
  if (typeof value !== 'object' || value === null || !Object.hasOwn(value, field)) return Number.NaN;
  const time: unknown = (value as Record<string, unknown>)[field];
  if (typeof time === 'number') return time;
  return typeof time === 'string' ? Date.parse(time) : Number.NaN;
}

/** Per window operation, `[node, keys (or records of window())]` its state holds. */
function windowEntries(store: PartitionStore): [number, number][] {
  return [...store].map(([node, state]) => [node, state.entries]);
}

function storeEntries(store: PartitionStore): number {
  let entries = 0;
  for (const state of store.values()) entries += state.entries;
  return entries;
}
