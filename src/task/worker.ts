import { move, workerData } from 'piscina';
import { encodePlain, partitionId } from '../core/index.ts';
import { buildGraph, importJob, Plan } from '../dsl/index.ts';
import { ErrorCode } from '../errors/index.ts';
import { BatchView } from './batch-view.ts';
import { decodeKey, decodeValue } from './decode.ts';
import { clickAt, GENERATOR_TOPIC } from './generator.ts';
import { KeyGroups } from './partials.ts';
import { type RecordInput, runPartition } from './partition-run.ts';
import type { SlotTask, WorkerInit } from './protocol.ts';
import { encodeResult } from './result-codec.ts';
import { addParts, runStatePartition } from './state-ops.ts';
import { type KeyedStateStore, type StateLayout, storeFor } from './state-store.ts';
import { decodeStore, encodeStore } from './store-snapshot.ts';
import type { PartitionStore } from './window-ops.ts';

const init = workerData as WorkerInit;
const job = await importJob(init.jobPath);
const graph = buildGraph(job, init.env);
const plan = new Plan(graph);
const mismatch =
  graph.signature() === init.signature
    ? undefined
    : `job ${init.jobPath} built a different graph in a worker than on the main thread ` +
      `(main: ${init.signature}; worker: ${graph.signature()}); the builder must be deterministic`;

/** Window state of the partitions this slot owns; a partition always runs in the same slot. */
const stores = new Map<string, PartitionStore>();

function storeOf(topic: string, partition: number): PartitionStore {
  const id = partitionId(topic, partition);
  let store = stores.get(id);
  if (!store) {
    store = new Map();
    stores.set(id, store);
  }
  return store;
}

/** Keyed state of the state partitions kept in this slot (with their input partitions). */
const keyed = new Map<string, KeyedStateStore>();

function keyedOf(layout: StateLayout, partition: number): KeyedStateStore {
  const id = partitionId(layout.topic, partition);
  let store = keyed.get(id);
  if (!store) {
    store = storeFor(layout, id);
    keyed.set(id, store);
  }
  return store;
}

function runState(task: Extract<SlotTask, { type: 'state' }>): Uint8Array {
  const node = plan.keyedStates.find((state) => state.id === task.node);
  if (!node) throw new Error(`node ${task.node} is not a state operation of this job`);
  const groups = addParts(new KeyGroups(), [task.groups, ...task.parts]);
  const store = keyedOf(task.layout, task.partition);
  return encodePlain(runStatePartition(store, node, groups, task.info, task.snapshot));
}

function emptyInput(topic: string, partition: number): RecordInput {
  const none = (): never => {
    throw new RangeError('an empty task has no records');
  };
  return { topic, partition, count: 0, offset: none, raw: none, record: none };
}

function kafkaInput(task: Extract<SlotTask, { type: 'kafka' }>): RecordInput {
  const view = new BatchView(task.buffer, task.byteLength);
  const { topic, partition } = view;
  return {
    topic,
    partition,
    count: view.count,
    offset: (i) => view.offset(i),
    raw: (i) => ({ key: view.key(i), value: view.value(i) }),
    record: (i) => ({
      topic,
      partition,
      offset: view.offset(i),
      timestamp: view.timestamp(i),
      key: decodeKey(view.key(i)),
      value: decodeValue(view.value(i), init.valueFormat),
    }),
  };
}

function generatorInput(task: Extract<SlotTask, { type: 'generate' }>): RecordInput {
  const { partition, fromOffset } = task;
  return {
    topic: GENERATOR_TOPIC,
    partition,
    count: task.count,
    offset: (i) => BigInt(fromOffset + i),
    raw: () => ({ key: null, value: null }),
    record: (i) => {
      const value = clickAt(init.generator, partition, fromOffset + i);
      return {
        topic: GENERATOR_TOPIC,
        partition,
        offset: BigInt(fromOffset + i),
        timestamp: value.ts,
        key: value.user,
        value,
      };
    },
  };
}

/** Runs one partition batch; the result crosses back as msgpack bytes, transferred, not cloned. */
export default function runTask(task: SlotTask): unknown {
  if (task.type === 'forget') {
    stores.delete(partitionId(task.topic, task.partition));
    keyed.delete(partitionId(task.topic, task.partition));
    return null;
  }
  if (task.type === 'state') return move(runState(task));
  if (task.type === 'keyedSnapshot') {
    const id = partitionId(task.layout.topic, task.partition);
    return keyed.get(id)?.snapshot(id) ?? [];
  }
  if (task.type === 'keyedRestore') {
    keyedOf(task.layout, task.partition).restore(partitionId(task.layout.topic, task.partition), task.state);
    return null;
  }
  if (task.type === 'keyedForget') {
    keyed.delete(partitionId(task.layout.topic, task.partition));
    return null;
  }
  if (task.type === 'snapshot') return move(encodeStore(storeOf(task.topic, task.partition)));
  if (task.type === 'restore') {
    stores.set(partitionId(task.topic, task.partition), decodeStore(plan, task.state));
    return null;
  }
  const input =
    task.type === 'kafka'
      ? kafkaInput(task)
      : task.type === 'generate'
        ? generatorInput(task)
        : emptyInput(task.topic, task.partition);
  const result = mismatch
    ? {
        topic: input.topic,
        partition: input.partition,
        records: 0,
        exports: [],
        decodeErrors: 0,
        failures: [],
        fatal: { code: ErrorCode.jobMismatch, message: mismatch },
      }
    : runPartition(plan, input, task.info, init.decodePolicy, {
        store: storeOf(input.topic, input.partition),
        latePolicy: init.latePolicy,
        maxEventTimeAheadMs: init.maxEventTimeAheadMs,
        ...(init.statePartitions === undefined ? {} : { statePartitions: init.statePartitions }),
      });
  const bytes = encodeResult(result);
  return move(bytes);
}
