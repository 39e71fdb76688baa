// What a worker slot does with each task, in whichever thread holds it: piscina's worker, or the TestDriver's.
import { encodePlain, partitionId, partitionName, toOffset } from '../core/index.ts';
import { type Graph, Plan } from '../dsl/index.ts';
import { ErrorCode, SluiceError } from '../errors/index.ts';
import { BatchView } from './batch-view.ts';
import { decodeKey, decodeValue } from './decode.ts';
import { clickAt, GENERATOR_TOPIC } from './generator.ts';
import { DEFAULT_SINK_MAX_BATCH_BYTES, type KafkaLayout } from './output-encoding.ts';
import { KeyGroups } from './partials.ts';
import { runPartition, runPartitionAsync } from './partition-run.ts';
import type { RecordInput, RunOptions } from './partition-types.ts';
import type { SinkPartitions, SlotTask, WorkerInit } from './protocol.ts';
import { RecordColumns } from './record-batch/record-columns.ts';
import { MIN_MAX_DECOMPRESSED_BYTES, RecordSetView } from './record-batch/record-set.ts';
import { encodeResult } from './result-codec.ts';
import { addParts, runStatePartition } from './state-ops.ts';
import { type KeyedStateStore, type StateLayout, storeFor } from './state-store.ts';
import {
  decodeStore,
  encodeStore,
  type KeyedSlotSnapshot,
  measureKeyed,
  type SlotSnapshot,
} from './store-snapshot.ts';
import type { PartitionStore } from './window-ops.ts';

/**
 * What a task returns: msgpack bytes for a batch (`PartitionResult`; a Promise of them for a job
 * with asynchronous operators) and a state operation; a window snapshot's bytes with each
 * operation's size; a keyed snapshot as it is, with each operation's size; null for the rest.
 */
export type TaskOutput = Uint8Array | Promise<Uint8Array> | SlotSnapshot | KeyedSlotSnapshot | null;

/**
 * Values handed over in this thread rather than as bytes (the TestDriver's `value` records): the
 * job gets record `index` of a partition batch as it is, undecoded; undefined: decode its bytes.
 */
export type GivenValues = (
  topic: string,
  partition: number,
  index: number,
) => { readonly value: unknown } | undefined;

/** What a task's records are read from: the slots' batch format, or a raw Kafka record set. */
type RecordsView = Pick<BatchView, 'count' | 'offset' | 'timestamp' | 'key' | 'value'> & {
  problem?(index: number): string | undefined;
};

/**
 * One slot's tasks over the partitions it owns: their window state and keyed state live here,
 * and each batch's result leaves as msgpack bytes.
 */
export class TaskRunner {
  readonly #init: WorkerInit;
  readonly #plan: Plan;
  /** Set when this thread built another graph than the main thread: every batch fails with it. */
  readonly #mismatch: string | undefined;
  /** Window state of the partitions this slot owns; a partition always runs in the same slot. */
  readonly #stores = new Map<string, PartitionStore>();
  /** Keyed state of the state partitions kept in this slot (with their input partitions). */
  readonly #keyed = new Map<string, KeyedStateStore>();
  readonly #given: GivenValues | undefined;
  /** The columns of each 'records' task's records: a task's records are read before the next task. */
  readonly #columns = new RecordColumns();
  readonly #clock: () => number;
  /** WorkerInit.progress: one count per asynchronous call settled. */
  readonly #progress: Int32Array | undefined;

  /**
   * `graph`: the job as this thread built it from `init.jobPath` and `init.env`; `clock`: what
   * records' ages are read on (the TestDriver's batch times; Date.now).
   */
  constructor(init: WorkerInit, graph: Graph, given?: GivenValues, clock: () => number = Date.now) {
    this.#init = init;
    this.#given = given;
    this.#clock = clock;
    this.#plan = new Plan(graph);
    this.#progress = init.progress && new Int32Array(init.progress);
    this.#mismatch =
      graph.signature() === init.signature
        ? undefined
        : `job ${init.jobPath} built a different graph in a worker than on the main thread ` +
          `(main: ${init.signature}; worker: ${graph.signature()}); the builder must be deterministic`;
  }

  run(task: SlotTask): TaskOutput {
    switch (task.type) {
      case 'forget':
        this.#stores.delete(partitionId(task.topic, task.partition));
        this.#keyed.delete(partitionId(task.topic, task.partition));
        return null;
      case 'state':
        return this.#runState(task);
      case 'keyedSnapshot': {
        const id = partitionId(task.layout.topic, task.partition);
        return measureKeyed(this.#keyed.get(id)?.snapshot(id) ?? []);
      }
      case 'keyedRestore':
        this.#keyedOf(task.layout, task.partition).restore(
          partitionId(task.layout.topic, task.partition),
          task.state,
        );
        return null;
      case 'keyedForget':
        this.#keyed.delete(partitionId(task.layout.topic, task.partition));
        return null;
      case 'snapshot':
        return encodeStore(this.#storeOf(task.topic, task.partition));
      case 'restore':
        this.#stores.set(partitionId(task.topic, task.partition), decodeStore(this.#plan, task.state));
        return null;
      case 'kafka':
        return this.#runBatch(task, this.#kafkaInput(task));
      case 'records':
        return this.#runBatch(task, this.#recordsInput(task));
      case 'generate':
        return this.#runBatch(task, this.#generatorInput(task));
      case 'tick':
        return this.#runBatch(task, emptyInput(task.topic, task.partition));
    }
  }

  #runBatch(
    task: Extract<SlotTask, { type: 'records' | 'kafka' | 'generate' | 'tick' }>,
    input: RecordInput,
  ): Uint8Array | Promise<Uint8Array> {
    const init = this.#init;
    if (this.#mismatch) {
      return encodeResult({
        topic: input.topic,
        partition: input.partition,
        records: 0,
        exports: [],
        decodeErrors: 0,
        failures: [],
        fatal: { code: ErrorCode.jobMismatch, message: this.#mismatch },
      });
    }
    const progress = this.#progress;
    const options: RunOptions = {
      store: this.#storeOf(input.topic, input.partition),
      latePolicy: init.latePolicy,
      maxEventTimeAheadMs: init.maxEventTimeAheadMs,
      clock: this.#clock,
      ...(init.latencyTimestampField === undefined ? {} : { latencyField: init.latencyTimestampField }),
      ...(init.statePartitions === undefined ? {} : { statePartitions: init.statePartitions }),
      ...('sinks' in task && task.sinks ? { kafkaLayouts: this.#layouts(task.sinks, input.partition) } : {}),
      ...(progress ? { callSettled: () => Atomics.add(progress, 0, 1) } : {}),
    };
    // Only a job with mapAsync or filterAsync pays for a Promise per batch.
    if (this.#plan.asyncNodes.length === 0) {
      return encodeResult(runPartition(this.#plan, input, task.info, init.decodePolicy, options));
    }
    return runPartitionAsync(this.#plan, input, task.info, init.decodePolicy, options).then(encodeResult);
  }

  /** The toKafka outputs whose record batches this batch writes, round-robin starting at `partition`. */
  #layouts(sinks: NonNullable<SinkPartitions['sinks']>, partition: number): Map<number, KafkaLayout> {
    const maxBatchBytes = this.#init.sinkMaxBatchBytes ?? DEFAULT_SINK_MAX_BATCH_BYTES;
    return new Map(
      sinks.map(([node, partitions]) => [node, { partitions, maxBatchBytes, start: partition }]),
    );
  }

  #runState(task: Extract<SlotTask, { type: 'state' }>): Uint8Array {
    const node = this.#plan.keyedStates.find((state) => state.id === task.node);
    if (!node) throw new Error(`node ${task.node} is not a state operation of this job`);
    const groups = addParts(new KeyGroups(), [task.groups, ...task.parts]);
    const store = this.#keyedOf(task.layout, task.partition);
    return encodePlain(runStatePartition(store, node, groups, task.info, task.snapshot));
  }

  #storeOf(topic: string, partition: number): PartitionStore {
    const id = partitionId(topic, partition);
    let store = this.#stores.get(id);
    if (!store) {
      store = new Map();
      this.#stores.set(id, store);
    }
    return store;
  }

  #keyedOf(layout: StateLayout, partition: number): KeyedStateStore {
    const id = partitionId(layout.topic, partition);
    let store = this.#keyed.get(id);
    if (!store) {
      store = storeFor(layout, id);
      this.#keyed.set(id, store);
    }
    return store;
  }

  #kafkaInput(task: Extract<SlotTask, { type: 'kafka' }>): RecordInput {
    const view = new BatchView(task.buffer, task.byteLength);
    return this.#viewInput(view.topic, view.partition, view);
  }

  #recordsInput(task: Extract<SlotTask, { type: 'records' }>): RecordInput {
    checkFirstBatch(task);
    const bound = this.#init.maxDecompressedBytes ?? MIN_MAX_DECOMPRESSED_BYTES;
    const set = new RecordSetView(task, bound, this.#columns);
    return this.#viewInput(task.topic, task.partition, set);
  }

  /** The records of a view over bytes; an entry with a problem (a corrupt batch's) fails to decode with it. */
  #viewInput(topic: string, partition: number, view: RecordsView): RecordInput {
    const format = this.#plan.inputs.formatFor(topic, this.#init.valueFormat);
    const given = this.#given;
    return {
      topic,
      partition,
      count: view.count,
      offset: (i) => view.offset(i),
      raw: (i) => ({ key: view.key(i), value: view.value(i) }),
      createdAt: (i) => view.timestamp(i),
      record: (i) => {
        const problem = view.problem?.(i);
        if (problem !== undefined) throw new SluiceError(ErrorCode.decode, problem);
        const handed = given?.(topic, partition, i);
        return {
          topic,
          partition,
          offset: view.offset(i),
          timestamp: view.timestamp(i),
          key: decodeKey(view.key(i)),
          value: handed ? handed.value : decodeValue(view.value(i), format),
        };
      },
    };
  }

  #generatorInput(task: Extract<SlotTask, { type: 'generate' }>): RecordInput {
    const { partition, fromOffset } = task;
    const spec = this.#init.generator;
    return {
      topic: GENERATOR_TOPIC,
      partition,
      count: task.count,
      offset: (i) => toOffset(fromOffset + i),
      raw: () => ({ key: null, value: null }),
      // A generated record comes into being when its batch is cut (its event time is synthetic).
      createdAt: () => task.info.time,
      record: (i) => {
        const value = clickAt(spec, partition, fromOffset + i);
        return {
          topic: GENERATOR_TOPIC,
          partition,
          offset: toOffset(fromOffset + i),
          timestamp: value.ts,
          key: value.user,
          value,
        };
      },
    };
  }
}

/** Throws SLUICE_WORKER when a records task's bytes do not start with the batch it was cut from. */
function checkFirstBatch(task: Extract<SlotTask, { type: 'records' }>): void {
  const { firstBatch, buffer, byteOffset, byteLength } = task;
  if (firstBatch === undefined || byteLength < 8) return;
  const found = new DataView(buffer, byteOffset, 8).getBigInt64(0);
  if (found === firstBatch) return;
  throw new SluiceError(
    ErrorCode.worker,
    `records of ${partitionName(task.topic, task.partition)} from offset ${task.fromOffset}: the bytes start with the batch at offset ${found}, not ${firstBatch} as cut (their memory was reused while the slot still needed it)`,
  );
}

function emptyInput(topic: string, partition: number): RecordInput {
  const none = (): never => {
    throw new RangeError('an empty task has no records');
  };
  return { topic, partition, count: 0, offset: none, raw: none, record: none };
}
