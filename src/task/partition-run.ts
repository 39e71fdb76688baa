// A slot's run of one partition batch: records decoded and pushed through the pipeline, failures sorted out.
import {
  type BatchInfo,
  LatencyHistogram,
  type Offset,
  type Origin,
  type SourceRecord,
} from '../core/index.ts';
import type { Plan } from '../dsl/index.ts';
import {
  ErrorCode,
  errorText,
  isSluiceError,
  type SlotErrorData,
  slotErrorData,
  stackOf,
  userFrame,
} from '../errors/index.ts';
import { isEventTime } from '../window/index.ts';
import type { KafkaLayout } from './output-encoding.ts';
import type { Export } from './partials.ts';
import { SlotPipeline } from './pipeline.ts';
import { BatchWindows, type LatePolicy, type LateSample, type PartitionStore } from './window-ops.ts';

export type DecodePolicy = 'fail' | 'skip' | 'dlq';

/** One partition's records for one batch, decoded on demand in the worker. */
export type RecordInput = {
  readonly topic: string;
  readonly partition: number;
  readonly count: number;
  offset(index: number): Offset;
  /** Decodes record `index`; throws when its bytes cannot be decoded. */
  record(index: number): SourceRecord;
  /** The undecoded bytes, for the dead-letter topic. */
  raw(index: number): { readonly key: Uint8Array | null; readonly value: Uint8Array | null };
  /**
   * When record `index` came into being (epoch ms): its Kafka timestamp (CreateTime, or
   * LogAppendTime where the topic sets it); what end-to-end latency is counted from. Without it,
   * none is.
   */
  createdAt?(index: number): number;
};

/**
 * The ages of a batch's records as a slot saw them: `ages` (a LatencyHistogram's sparse form, µs)
 * is `at` minus each record's `createdAt`, with `at` the slot's clock when it started the batch.
 * The main thread moves them to when the batch's outputs were written.
 */
export type RecordAges = { readonly at: number; readonly ages: number[] };

export type DecodeFailure = Origin & {
  readonly error: string;
  /** Present under the dlq policy: the original bytes to dead-letter. */
  readonly key?: Uint8Array | null;
  readonly value?: Uint8Array | null;
};

/** What a worker returns for one partition batch: small partials, never per-record objects (unless asked for). */
export type PartitionResult = {
  readonly topic: string;
  readonly partition: number;
  readonly records: number;
  readonly exports: Export[];
  readonly decodeErrors: number;
  /** Under `skip`, a sample; under `dlq`, every failed record with its bytes. */
  readonly failures: DecodeFailure[];
  /** Set when the batch must not be committed: a decode error under `fail`, or a user function that threw. */
  readonly fatal?: { readonly code: string; readonly message: string };
  /** With a user function's fatal error: what it threw, its stack and causes, for the main thread. */
  readonly fatalError?: SlotErrorData;
  /** Records event-time windows found late (each once), a sample of them, and (late policy dlq) all with bytes. */
  readonly late?: number;
  readonly lateSample?: LateSample[];
  readonly lateFailures?: DecodeFailure[];
  /** Window operations that fired at least one window in this batch. */
  readonly fired?: number[];
  /** `[withWatermark node, largest event time in this batch]`. */
  readonly eventTimes?: [number, number][];
  /** What the partition's window state holds after the batch (keys, or records of `window`). */
  readonly stateEntries?: number;
  /** The ages of the records that went through the job (decode errors left out). */
  readonly latency?: RecordAges;
};

export type RunOptions = {
  /** The partition's window state, kept across batches; a fresh one forgets every window. */
  readonly store?: PartitionStore;
  readonly latePolicy?: LatePolicy;
  /** Keyed state's state partition count: the groups go out split by state partition, encoded. */
  readonly statePartitions?: number;
  /**
   * Event times further ahead of the batch time than this are decode errors
   * (SLUICE_MAX_EVENT_TIME_AHEAD_MS); unset, no limit.
   */
  readonly maxEventTimeAheadMs?: number;
  /** toKafka outputs whose record batches the slot writes, by output node. */
  readonly kafkaLayouts?: ReadonlyMap<number, KafkaLayout>;
  /** The clock records' ages are read on (epoch ms): Date.now, or the TestDriver's. */
  readonly clock?: () => number;
  /** Ages count from this field of the decoded value rather than from `createdAt`. */
  readonly latencyField?: string;
};

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
 * `; thrown at /path/job.ts:12:9`: where in the job's own code the error came from (not Sluice's
 * src/, not node_modules), so that a user function's failure names its line; empty when unknown.
 */
function thrownAt(error: unknown): string {
  const stack = stackOf(error);
  const frame = stack === undefined ? undefined : userFrame(stack);
  return frame === undefined ? '' : `; thrown at ${frame}`;
}

/**
 * Runs the worker side of the plan over one partition's batch: each record is pushed through the
 * operators up to the aggregations, which keep per-key partials.
 */
export function runPartition(
  plan: Plan,
  input: RecordInput,
  info: BatchInfo,
  policy: DecodePolicy,
  options: RunOptions = {},
): PartitionResult {
  let index = 0;
  const origin = (): Origin => ({
    topic: input.topic,
    partition: input.partition,
    offset: input.offset(index),
  });
  const cursor = { origin, raw: () => input.raw(index) };
  const windows = new BatchWindows(
    plan,
    info,
    options.store ?? new Map(),
    cursor,
    options.latePolicy ?? 'count',
    options.maxEventTimeAheadMs,
  );
  const pipeline = new SlotPipeline(plan, info, windows, options.statePartitions, options.kafkaLayouts);
  const failures: DecodeFailure[] = [];
  let decodeErrors = 0;
  const base = { topic: input.topic, partition: input.partition, records: input.count };
  const at = (options.clock ?? Date.now)();
  const { latencyField } = options;
  const createdAt = input.createdAt;
  const ages =
    (createdAt || latencyField !== undefined) && input.count > 0 ? new LatencyHistogram() : undefined;

  for (; index < input.count; index++) {
    const failure = pushRecord(input, index, pipeline);
    if ('record' in failure) {
      // Kafka's "no timestamp" is -1; such a record (or one without the field) has no age to count,
      // nor has one whose time no clock reads (1e300, nanoseconds in an epoch-ms field).
      const created =
        latencyField !== undefined
          ? fieldTime(failure.record.value, latencyField)
          : (createdAt?.(index) ?? 0);
      // Microseconds, so that the histogram keeps sub-millisecond shifts apart.
      if (created > 0 && isEventTime(created)) ages?.record((at - created) * 1000);
      continue;
    }
    if (!failure.decode) {
      const message = `${errorText(failure.error)} (at ${describeOrigin(origin())}${thrownAt(failure.error)})`;
      return {
        ...base,
        exports: [],
        decodeErrors,
        failures,
        fatal: { code: ErrorCode.userFunction, message },
        fatalError: slotErrorData(failure.error),
      };
    }
    const message = errorText(failure.error);
    decodeErrors++;
    if (policy === 'fail') {
      const fatal = {
        code: ErrorCode.decode,
        message: `cannot decode record at ${describeOrigin(origin())}: ${message}`,
      };
      return { ...base, exports: [], decodeErrors, failures: [{ ...origin(), error: message }], fatal };
    }
    if (policy === 'dlq') failures.push({ ...origin(), error: message, ...input.raw(index) });
    else if (failures.length < SKIP_SAMPLE) failures.push({ ...origin(), error: message });
  }
  try {
    pipeline.end();
  } catch (error) {
    const fatal = {
      code: ErrorCode.userFunction,
      message: `${errorText(error)} (in transform, ${input.topic}-${input.partition}${thrownAt(error)})`,
    };
    return { ...base, exports: [], decodeErrors, failures, fatal, fatalError: slotErrorData(error) };
  }
  return {
    ...base,
    exports: pipeline.exports(),
    decodeErrors,
    failures,
    ...(windows.late > 0
      ? { late: windows.late, lateSample: windows.lateSample, lateFailures: windows.lateDeadLetters }
      : {}),
    ...(pipeline.fired.length > 0 ? { fired: pipeline.fired } : {}),
    ...(plan.watermarks.size > 0 ? { eventTimes: windows.maxEventTimes() } : {}),
    ...(options.store && plan.windows.length > 0 ? { stateEntries: storeEntries(options.store) } : {}),
    ...(ages && ages.count > 0 ? { latency: { at, ages: ages.toSparse() } } : {}),
  };
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
    pipeline.push(record);
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

function storeEntries(store: PartitionStore): number {
  let entries = 0;
  for (const state of store.values()) entries += state.entries;
  return entries;
}
