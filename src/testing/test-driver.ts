import { ConfigError } from '../config/index.ts';
import { LocalKeyedState, mergePartitions, type OutputBatch, WindowMerger } from '../coordinator/index.ts';
import type { BatchInfo, SourceRecord } from '../core/index.ts';
import { partitionId } from '../core/index.ts';
import { buildGraph, type Job, Plan } from '../dsl/index.ts';
import {
  type DecodeFailure,
  type DecodePolicy,
  decodeResult,
  decodeStore,
  decodeValue,
  encodeResult,
  encodeStore,
  type LatePolicy,
  type PartitionResult,
  type PartitionStore,
  packState,
  type RecordInput,
  runPartition,
  StatePartitions,
  unpackState,
  type ValueFormat,
} from '../task/index.ts';
import { WatermarkTracker } from '../window/index.ts';

export type TestRecord = {
  readonly partition?: number;
  /** Defaults to the next offset of the partition. */
  readonly offset?: bigint | number;
  readonly timestamp?: number;
  readonly key?: string | null;
  readonly topic?: string;
} & ({ readonly value: unknown } | { readonly bytes: string | Uint8Array | null });

export type DriverOptions = {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly topic?: string;
  readonly intervalMs?: number;
  /** Time of the first batch's start (epoch ms). */
  readonly startTime?: number;
  readonly decodePolicy?: DecodePolicy;
  /** How `bytes` records are decoded. */
  readonly valueFormat?: ValueFormat;
  readonly latePolicy?: LatePolicy;
  /**
   * SLUICE_MAX_EVENT_TIME_AHEAD_MS against the driver's batch times (`startTime` + n ×
   * `intervalMs`, not the wall clock). Default: no limit, as the batch times start at 0.
   */
  readonly maxEventTimeAheadMs?: number;
  /** Batch time a partition may go without records before it stops holding the watermark back. */
  readonly idleTimeoutMs?: number;
  /**
   * Partitions owned from the start (of `topic`); others count once they bring a record. Keyed
   * state: without it, this instance owns every partition (one instance); with it, only these and
   * those that brought records, as one of several instances would.
   */
  readonly partitions?: readonly number[];
  /** Partitions of `topic`: the number of state partitions. Default: 1 + the largest declared. */
  readonly partitionCount?: number;
};

export type DriverBatch = {
  readonly info: BatchInfo;
  readonly outputs: readonly OutputBatch[];
  readonly decodeErrors: number;
  readonly failures: readonly DecodeFailure[];
  readonly fatal?: { readonly code: string; readonly message: string };
  /** Late records of event-time windows in this batch, and (late policy dlq) their dead letters. */
  readonly late: number;
  readonly lateFailures: readonly DecodeFailure[];
  /** The watermark after this batch: what the next one runs with. */
  readonly watermark: number;
};

/**
 * Runs a job deterministically in this thread, the way Kafka Streams' TopologyTestDriver does:
 * each call is one batch of explicit records; the worker half runs per partition and its result
 * goes through the same msgpack codec as between threads; foreachBatch outputs are called; every
 * output's values are returned.
 *
 * @example
 * const driver = new TestDriver(job);
 * const batch = await driver.runBatch([{ partition: 0, value: 'a b a' }]);
 */
export class TestDriver {
  readonly plan: Plan;
  readonly #options: Required<Omit<DriverOptions, 'env' | 'partitions' | 'partitionCount'>>;
  /** Undefined: every partition is owned (keyed state). */
  readonly #declared: readonly number[] | undefined;
  readonly #nextOffset = new Map<string, bigint>();
  /** Window state per partition, as a worker slot keeps it. */
  #stores = new Map<string, { topic: string; partition: number; store: PartitionStore }>();
  #windows = new WindowMerger();
  #keyed: LocalKeyedState;
  #watermark: WatermarkTracker;
  #batchId = 0;

  constructor(job: Job, options: DriverOptions = {}) {
    this.plan = new Plan(buildGraph(job, options.env ?? {}));
    this.#options = {
      topic: options.topic ?? 'input',
      intervalMs: options.intervalMs ?? 1000,
      startTime: options.startTime ?? 0,
      decodePolicy: options.decodePolicy ?? 'fail',
      valueFormat: options.valueFormat ?? 'json',
      latePolicy: options.latePolicy ?? 'count',
      maxEventTimeAheadMs: options.maxEventTimeAheadMs ?? Number.POSITIVE_INFINITY,
      idleTimeoutMs: options.idleTimeoutMs ?? Number.POSITIVE_INFINITY,
    };
    const problems = this.plan.intervalProblems(this.#options.intervalMs);
    if (problems.length > 0) throw new ConfigError(problems);
    this.#watermark = new WatermarkTracker(this.plan.watermarks, this.#options.idleTimeoutMs);
    this.#declared = options.partitions;
    const partitions =
      options.partitionCount ??
      (options.partitions ?? []).reduce((most, partition) => Math.max(most, partition), -1) + 1;
    this.#keyed = new LocalKeyedState(
      new StatePartitions({ topic: this.#options.topic, partitions: Math.max(1, partitions) }),
    );
    for (const partition of options.partitions ?? []) this.#storeOf(this.#options.topic, partition);
  }

  /** The event-time watermark the next batch runs with. */
  get watermark(): number {
    return this.#watermark.current;
  }

  /**
   * Restarts from a checkpoint: every partition's window state, watermark clock and update-mode
   * partials go through their checkpoint encoding and come back in new objects, as after a crash.
   */
  restart(): void {
    const watermark = new WatermarkTracker(this.plan.watermarks, this.#options.idleTimeoutMs);
    const windows = new WindowMerger();
    const time = this.#options.startTime + this.#batchId * this.#options.intervalMs;
    for (const [id, entry] of this.#stores) {
      entry.store = decodeStore(this.plan, encodeStore(entry.store));
      const clock = this.#watermark.snapshot(id);
      if (clock) watermark.restore(id, roundTrip(clock), time);
      windows.restore(id, roundTrip(this.#windows.snapshot(id)));
    }
    const keyed = new LocalKeyedState(this.#keyed.partitions);
    for (const { topic, partition } of this.#keyed.partitions.held()) {
      const id = partitionId(topic, partition);
      keyed.restore(id, roundTrip(this.#keyed.snapshot(id)));
    }
    this.#watermark = watermark;
    this.#windows = windows;
    this.#keyed = keyed;
  }

  /** Ends the input, as an available-now run does: the watermark goes to +∞ and every open window fires. */
  async endOfInput(): Promise<DriverBatch> {
    return this.#run([], Number.POSITIVE_INFINITY);
  }

  async runBatch(records: readonly TestRecord[]): Promise<DriverBatch> {
    return this.#run(records);
  }

  async #run(records: readonly TestRecord[], endWatermark?: number): Promise<DriverBatch> {
    const { intervalMs, startTime, decodePolicy, latePolicy, maxEventTimeAheadMs } = this.#options;
    const batchId = this.#batchId++;
    const groups = this.#group(records);
    const offsetRanges = [...groups.values()].map((group) => ({
      topic: group.topic,
      partition: group.partition,
      fromOffset: group.records[0]?.offset ?? 0n,
      untilOffset: (group.records.at(-1)?.offset ?? -1n) + 1n,
    }));
    const time = startTime + (batchId + 1) * intervalMs;
    const windowed = this.plan.windows.length > 0;
    const info: BatchInfo = {
      batchId,
      time,
      intervalMs,
      offsetRanges,
      ...(windowed ? { watermark: endWatermark ?? this.#watermark.current } : {}),
    };
    for (const group of groups.values()) this.#storeOf(group.topic, group.partition);
    const results: PartitionResult[] = [];
    for (const [id, { topic, partition, store }] of this.#stores) {
      const group = groups.get(id);
      // Like the engine: with windows, every owned partition runs, records or not.
      if (!group && !windowed) continue;
      const input = group ? this.#input(group) : this.#input({ topic, partition, records: [] });
      const result = runPartition(this.plan, input, info, decodePolicy, {
        store,
        latePolicy,
        maxEventTimeAheadMs,
        // As in the slots: groups split by state partition, passed on as bytes.
        ...(this.plan.keyedStates.length > 0
          ? { statePartitions: this.#keyed.partitions.layout.partitions }
          : {}),
      });
      results.push(decodeResult(encodeResult(result)));
    }
    const fatal = results.find((result) => result.fatal)?.fatal;
    const decodeErrors = results.reduce((sum, result) => sum + result.decodeErrors, 0);
    const failures = results.flatMap((result) => result.failures);
    const late = results.reduce((sum, result) => sum + (result.late ?? 0), 0);
    const lateFailures = results.flatMap((result) => result.lateFailures ?? []);
    const base = { info, decodeErrors, failures, late, lateFailures };
    if (fatal) return { ...base, outputs: [], fatal, watermark: this.#watermark.current };
    if (this.#declared) this.#keyed.own([...this.#stores.values()]);
    const outputs = await mergePartitions(this.plan, results, info, this.#windows, this.#keyed);
    for (const output of outputs) {
      if (output.sink.type === 'foreachBatch') await output.sink.fn(output.values, info);
    }
    for (const result of results) {
      this.#watermark.observe(partitionId(result.topic, result.partition), result.eventTimes ?? [], time);
    }
    return { ...base, outputs, watermark: this.#watermark.advance(time) };
  }

  #storeOf(topic: string, partition: number): PartitionStore {
    const id = partitionId(topic, partition);
    let entry = this.#stores.get(id);
    if (!entry) {
      entry = { topic, partition, store: new Map() };
      this.#stores.set(id, entry);
      this.#watermark.own(id, this.#options.startTime);
      this.#stores = new Map(
        [...this.#stores].sort(([, a], [, b]) => a.topic.localeCompare(b.topic) || a.partition - b.partition),
      );
    }
    return entry.store;
  }

  #group(records: readonly TestRecord[]): Map<string, Group> {
    const groups = new Map<string, Group>();
    for (const record of records) {
      const topic = record.topic ?? this.#options.topic;
      const partition = record.partition ?? 0;
      const id = partitionId(topic, partition);
      const offset = record.offset === undefined ? (this.#nextOffset.get(id) ?? 0n) : BigInt(record.offset);
      this.#nextOffset.set(id, offset + 1n);
      let group = groups.get(id);
      if (!group) {
        group = { topic, partition, records: [] };
        groups.set(id, group);
      }
      group.records.push({ ...record, offset });
    }
    return new Map(
      [...groups].sort(([, a], [, b]) => a.topic.localeCompare(b.topic) || a.partition - b.partition),
    );
  }

  #input(group: Group): RecordInput {
    const format = this.#options.valueFormat;
    const at = (index: number): TestRecord & { offset: bigint } => {
      const record = group.records[index];
      if (!record) throw new RangeError(`no record ${index}`);
      return record;
    };
    const bytesOf = (record: TestRecord): Uint8Array | null => {
      if (!('bytes' in record)) return null;
      return typeof record.bytes === 'string' ? Buffer.from(record.bytes) : record.bytes;
    };
    return {
      topic: group.topic,
      partition: group.partition,
      count: group.records.length,
      offset: (index) => at(index).offset,
      raw: (index) => ({
        key: at(index).key ? Buffer.from(at(index).key ?? '') : null,
        value: bytesOf(at(index)),
      }),
      record: (index): SourceRecord => {
        const record = at(index);
        const value = 'bytes' in record ? decodeValue(bytesOf(record), format) : record.value;
        return {
          topic: group.topic,
          partition: group.partition,
          offset: record.offset,
          timestamp: record.timestamp ?? 0,
          key: record.key ?? null,
          value,
        };
      },
    };
  }
}

/** Through msgpack, as a checkpoint carries it. */
function roundTrip<T>(value: T): T {
  return unpackState(packState(value)) as T;
}

type Group = { topic: string; partition: number; records: (TestRecord & { offset: bigint })[] };
