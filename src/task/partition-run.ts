import type { BatchInfo, Origin, SourceRecord } from '../core/index.ts';
import { encodePlain } from '../core/index.ts';
import type { Plan } from '../dsl/index.ts';
import { isAggregate, isKeyedState, type Node } from '../dsl/index.ts';
import {
  ErrorCode,
  errorText,
  isSluiceError,
  type SlotErrorData,
  SluiceError,
  slotErrorData,
} from '../errors/index.ts';
import type { FinalWindows, RecordWindows, UpdateWindows } from '../window/index.ts';
import { type Aggregator, aggregatorFor, type Export, KeyGroups } from './partials.ts';
import { statePartitionOf } from './state-store.ts';
import {
  BatchWindows,
  keyedAdd,
  type LatePolicy,
  type LateSample,
  type PartitionStore,
} from './window-ops.ts';

export type DecodePolicy = 'fail' | 'skip' | 'dlq';

/** One partition's records for one batch, decoded on demand in the worker. */
export type RecordInput = {
  readonly topic: string;
  readonly partition: number;
  readonly count: number;
  offset(index: number): bigint;
  /** Decodes record `index`; throws when its bytes cannot be decoded. */
  record(index: number): SourceRecord;
  /** The undecoded bytes, for the dead-letter topic. */
  raw(index: number): { readonly key: Uint8Array | null; readonly value: Uint8Array | null };
};

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
};

const SKIP_SAMPLE = 5;

type Receiver = (value: unknown) => void;

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
  const state = new PartitionState(plan, info, windows, options.statePartitions);
  const failures: DecodeFailure[] = [];
  let decodeErrors = 0;
  const base = { topic: input.topic, partition: input.partition, records: input.count };

  for (; index < input.count; index++) {
    const failure = pushRecord(input, index, state);
    if (!failure) continue;
    if (!failure.decode) {
      const message = `${errorText(failure.error)} (at ${describeOrigin(origin())})`;
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
    state.flush();
  } catch (error) {
    const fatal = {
      code: ErrorCode.userFunction,
      message: `${errorText(error)} (in transform, ${input.topic}-${input.partition})`,
    };
    return { ...base, exports: [], decodeErrors, failures, fatal, fatalError: slotErrorData(error) };
  }
  return {
    ...base,
    exports: state.exports(),
    decodeErrors,
    failures,
    ...(windows.late > 0
      ? { late: windows.late, lateSample: windows.lateSample, lateFailures: windows.lateDeadLetters }
      : {}),
    ...(state.fired.length > 0 ? { fired: state.fired } : {}),
    ...(plan.watermarks.size > 0 ? { eventTimes: windows.maxEventTimes() } : {}),
    ...(options.store && plan.windows.length > 0 ? { stateEntries: storeEntries(options.store) } : {}),
  };
}

/**
 * Decodes record `index` and pushes it through the operators; says where it failed, if it did.
 * Failing to decode is the record's fault whatever was thrown; in the operators, see isDecodeError.
 */
function pushRecord(
  input: RecordInput,
  index: number,
  state: PartitionState,
): { readonly decode: boolean; readonly error: unknown } | undefined {
  let record: SourceRecord;
  try {
    record = input.record(index);
  } catch (error) {
    return { decode: true, error };
  }
  try {
    state.push(record);
    return undefined;
  } catch (error) {
    return { decode: isDecodeError(error), error };
  }
}

/** Groups split by the state partition of their key, each part msgpack, partitions in order. */
function encodeByStatePartition(groups: KeyGroups, partitions: number): [number, Uint8Array][] {
  const split = new Map<number, [unknown, unknown[]][]>();
  for (const group of groups.groups()) {
    const partition = statePartitionOf(group[0], partitions);
    const list = split.get(partition) ?? [];
    list.push(group);
    split.set(partition, list);
  }
  return [...split]
    .sort(([a], [b]) => a - b)
    .map(([partition, list]): [number, Uint8Array] => [partition, encodePlain(list)]);
}

function storeEntries(store: PartitionStore): number {
  let entries = 0;
  for (const state of store.values()) entries += state.entries;
  return entries;
}

class PartitionState {
  readonly #plan: Plan;
  readonly #info: BatchInfo;
  readonly #windows: BatchWindows;
  readonly #receivers: Receiver[] = [];
  readonly #records = new Map<number, unknown[]>();
  readonly #aggregators = new Map<number, Aggregator>();
  readonly #transforms = new Map<number, unknown[]>();
  readonly #windowExports: Export[] = [];
  readonly #groups = new Map<number, KeyGroups>();
  /** Event time of the value being pushed: the record's timestamp, or what withWatermark read. */
  #time = 0;
  readonly fired: number[] = [];
  readonly #statePartitions: number | undefined;

  constructor(plan: Plan, info: BatchInfo, windows: BatchWindows, statePartitions?: number) {
    this.#plan = plan;
    this.#info = info;
    this.#windows = windows;
    this.#statePartitions = statePartitions;
    for (const id of plan.recordExports) this.#records.set(id, []);
    // Built from the last node back, so each receiver can call its children's.
    for (let id = plan.nodes.length - 1; id >= 0; id--) {
      const node = plan.nodes[id];
      if (node && !plan.onMain[id]) this.#receivers[id] = this.#receiver(node);
      else if (node && plan.partialExports.has(id)) this.#receivers[id] = this.#partial(node);
    }
  }

  push(record: SourceRecord): void {
    this.#time = record.timestamp;
    this.#receivers[0]?.(record);
  }

  /**
   * Once every record has been pushed, in graph order (a node fed by another comes after it):
   * batch-level transforms run, and windows move to the batch time and emit what fired.
   */
  flush(): void {
    for (const node of this.#plan.nodes) {
      if (node.kind === 'transform' && this.#transforms.has(node.id)) {
        const emit = this.#emitter(node.id);
        // Values a transform emits have no event time of their own.
        this.#time = Number.NaN;
        for (const value of node.fn((this.#transforms.get(node.id) ?? []) as never[], this.#info))
          emit(value);
      } else if (node.kind === 'window' && !this.#plan.onMain[node.id]) {
        this.#windows.finish(node);
        const state = this.#windows.state(node) as RecordWindows;
        const fired = state.takeFired();
        if (fired.length > 0) this.fired.push(node.id);
        const emit = this.#emitter(node.id);
        this.#time = Number.NaN;
        for (const window of fired) for (const value of window.values) emit(value);
      } else if (node.kind === 'windowAggregate' && this.#plan.partialExports.has(node.id)) {
        const windows = this.#windows.collect(node);
        if (windows.length > 0) this.fired.push(node.id);
        this.#windowExports.push({ node: node.id, kind: 'windows', windows });
      }
    }
  }

  exports(): Export[] {
    const out: Export[] = [];
    for (const [node, values] of this.#records) out.push({ node, kind: 'records', values });
    for (const [node, aggregator] of this.#aggregators) out.push(aggregator.toExport(node));
    for (const [node, groups] of this.#groups) {
      out.push(
        this.#statePartitions === undefined
          ? { node, kind: 'groups', groups: groups.groups() }
          : { node, kind: 'stateGroups', parts: encodeByStatePartition(groups, this.#statePartitions) },
      );
    }
    for (const item of this.#windowExports) out.push(item);
    return out;
  }

  /**
   * Delivers a node's output to its children and, when exported, to its record list. A window's
   * `lateRecords` children get only its late records (`late`), the other children none of them.
   */
  #emitter(id: number, late = false): Receiver {
    const targets = (this.#plan.children[id] ?? [])
      .filter((child) => (this.#plan.nodes[child]?.kind === 'lateRecords') === late)
      .map((child) => this.#receivers[child])
      .filter((receiver): receiver is Receiver => receiver !== undefined);
    const exported = this.#records.get(id);
    if (exported) targets.push((value) => exported.push(value));
    if (targets.length === 1) return targets[0] as Receiver;
    return (value) => {
      for (const target of targets) target(value);
    };
  }

  #receiver(node: Node): Receiver {
    const emit = this.#emitter(node.id);
    switch (node.kind) {
      case 'source':
      case 'union':
        return emit;
      case 'map': {
        const fn = node.fn as (value: unknown) => unknown;
        return (value) => emit(fn(value));
      }
      case 'flatMap': {
        const fn = node.fn as (value: unknown) => Iterable<unknown>;
        return (value) => {
          for (const item of fn(value)) emit(item);
        };
      }
      case 'filter': {
        const fn = node.fn as (value: unknown) => boolean;
        return (value) => {
          if (fn(value)) emit(value);
        };
      }
      case 'keyBy': {
        const fn = node.fn as (value: unknown) => unknown;
        return (value) => emit([fn(value), value]);
      }
      case 'mapValues': {
        const fn = node.fn as (value: unknown) => unknown;
        return (value) => {
          const [key, inner] = value as [unknown, unknown];
          emit([key, fn(inner)]);
        };
      }
      case 'transform': {
        const buffer: unknown[] = [];
        this.#transforms.set(node.id, buffer);
        return (value) => buffer.push(value);
      }
      case 'withWatermark': {
        const timestamp = node.timestamp as ((value: unknown) => number) | undefined;
        return (value) => {
          if (timestamp) this.#time = timestamp(value);
          this.#windows.observe(node.id, this.#time);
          emit(value);
        };
      }
      case 'lateRecords':
        return emit;
      case 'window': {
        const state = this.#windows.state(node) as RecordWindows;
        const late = this.#emitter(node.id, true);
        const eventTime = this.#plan.eventTime[node.id] === true;
        return (value) => {
          const time = eventTime ? this.#eventTime() : this.#windows.processingTime;
          if (state.isLate(time)) late(this.#windows.lateRecord(time, value));
          else state.add(value, time);
        };
      }
      default:
        throw new Error(`node ${node.id} (${node.kind}) cannot run in a worker`);
    }
  }

  #eventTime(): number {
    if (Number.isNaN(this.#time)) {
      throw new SluiceError(
        ErrorCode.jobInvalid,
        'an event-time window received a value without event time: a transform between withWatermark and the window drops it',
      );
    }
    return this.#time;
  }

  #partial(node: Node): Receiver {
    if (node.kind === 'windowAggregate') {
      const state = this.#windows.state(node) as FinalWindows | UpdateWindows;
      const late = this.#emitter(node.id, true);
      const add = keyedAdd(node);
      const eventTime = this.#plan.eventTime[node.id] === true;
      return (value) => {
        const time = eventTime ? this.#eventTime() : this.#windows.processingTime;
        if (state.isLate(time)) {
          late(this.#windows.lateRecord(time, value));
          return;
        }
        add(state, value, time);
      };
    }
    if (isKeyedState(node)) {
      const groups = new KeyGroups();
      this.#groups.set(node.id, groups);
      return (value) => {
        const [key, inner] = value as [unknown, unknown];
        groups.add(key, inner);
      };
    }
    if (!isAggregate(node)) throw new Error(`node ${node.id} (${node.kind}) is not an aggregation`);
    const aggregator = aggregatorFor(node);
    this.#aggregators.set(node.id, aggregator);
    return (value) => aggregator.add(value);
  }
}
