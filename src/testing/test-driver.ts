// The TestDriver: a job run batch by batch in this thread through the real engine, slots' task runner and state.

import { ConfigError } from '../config/index.ts';
import {
  Engine,
  type Forward,
  type OutputBatch,
  type OutputPort,
  type RepartitionPort,
  type SlotKeyedState,
  type WindowExchange,
  WindowMerger,
} from '../coordinator/index.ts';
import type { BatchInfo, LatencyHistogram } from '../core/index.ts';
import { partitionId, silentLogger } from '../core/index.ts';
import { buildGraph, type Graph, type Job, Plan } from '../dsl/index.ts';
import {
  type DecodeFailure,
  type DecodePolicy,
  isEncodedSink,
  type KeyedSlotSnapshot,
  type LatePolicy,
  type PartitionResult,
  packState,
  type SlotSnapshot,
  type SlotTask,
  type StateLayout,
  StatePartitions,
  TaskRunner,
  unpackState,
  type ValueFormat,
  type WorkerInit,
  writtenValues,
} from '../task/index.ts';
import { WatermarkTracker } from '../window/index.ts';
import { InProcessSlots } from './in-process-slots.ts';
import { MemorySource, type TestRecord } from './memory-source.ts';
import { DriverExchange, DriverKeyedState } from './one-instance.ts';

export type { TestRecord } from './memory-source.ts';

export type DriverOptions = {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly topic?: string;
  readonly intervalMs?: number;
  /** Time of the first batch's start (epoch ms). */
  readonly startTime?: number;
  readonly decodePolicy?: DecodePolicy;
  /** How `bytes` records are decoded (`value` records reach the job as they are). */
  readonly valueFormat?: ValueFormat;
  readonly latePolicy?: LatePolicy;
  /**
   * SLUICE_MAX_EVENT_TIME_AHEAD_MS against the driver's batch times (`startTime` + n ×
   * `intervalMs`, not the wall clock). Default: no limit, as the batch times start at 0.
   */
  readonly maxEventTimeAheadMs?: number;
  /** Batch time a partition may go without records before it stops holding the watermark back. */
  readonly idleTimeoutMs?: number;
  /** SLUICE_LATENCY_TIMESTAMP_FIELD: records' latency counts from this field of their value. */
  readonly latencyTimestampField?: string;
  /**
   * Partitions owned from the start (of `topic`); others count once they bring a record. Keyed
   * state and window aggregations: without it, this instance owns every state partition (one
   * instance); with it, only these and those that brought records, as one of several instances
   * would (window aggregations then wait for the other instances' progress).
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
  /** Records whose mapAsync or filterAsync calls failed under `onError: 'dlq'`: the dead letters. */
  readonly callFailures: readonly DecodeFailure[];
  /** The watermark after this batch: what the next one runs with. */
  readonly watermark: number;
  /**
   * What a run on Kafka would write to repartition topics for state partitions owned by other
   * instances (with declared `partitions`): keyed groups, window partials and window progress.
   */
  readonly forwards: readonly Forward[];
  /**
   * The records' end-to-end latencies (µs) on the driver's clock: a record's timestamp to its
   * batch's time, when the batch's outputs are written. Undefined for a batch without records.
   */
  readonly latency?: LatencyHistogram;
};

/** What one engine holds; a restart builds them anew from the old ones' checkpoint encodings. */
type Run = {
  readonly runner: TaskRunner;
  readonly merger: WindowMerger;
  readonly watermark: WatermarkTracker;
  readonly keyed: SlotKeyedState | undefined;
  readonly exchange: WindowExchange | undefined;
  readonly engine: Engine;
};

/** What the slots and outputs saw of the batch running now. */
type Seen = { info?: BatchInfo; results: PartitionResult[]; outputs: OutputBatch[]; forwards: Forward[] };

/**
 * Runs a job deterministically in this thread, the way Kafka Streams' TopologyTestDriver does:
 * each call is one batch of explicit records, run by the engine of a real run. A memory source
 * encodes the records as the Kafka source does; the slots' task runner decodes and runs them in
 * this thread, its results through the msgpack codec between threads; the engine merges them
 * with the watermark, keyed state and (window aggregations, as on Kafka) the window exchange,
 * calls the foreachBatch outputs, and every output's values are returned. What would go to other
 * instances through repartition topics is returned as `forwards`; none comes back.
 *
 * @example
 * const driver = new TestDriver(job);
 * const batch = await driver.runBatch([{ partition: 0, value: 'a b a' }]);
 */
export class TestDriver {
  readonly plan: Plan;
  readonly #options: Required<
    Omit<DriverOptions, 'env' | 'partitions' | 'partitionCount' | 'latencyTimestampField'>
  >;
  /** The job's graph: the main thread's, and the task runner's (built once: the builder runs once). */
  readonly #graph: Graph;
  readonly #init: WorkerInit;
  readonly #source: MemorySource;
  /** Keyed state's state partitions (undefined: the job has no state operation). */
  readonly #statePartitions: StatePartitions | undefined;
  /** The state partitions' layout: keyed state's, and the window exchange's. */
  readonly #layout: StateLayout;
  /** Undefined: this instance owns every state partition, whichever partitions bring records. */
  readonly #declared: readonly number[] | undefined;
  #run: Run;
  #seen: Seen = { results: [], outputs: [], forwards: [] };
  #batchId = 0;

  constructor(job: Job, options: DriverOptions = {}) {
    const env = options.env ?? {};
    const graph = buildGraph(job, env);
    this.#graph = graph;
    this.plan = new Plan(graph);
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
    this.#declared = options.partitions;
    const partitions =
      options.partitionCount ??
      (options.partitions ?? []).reduce((most, partition) => Math.max(most, partition), -1) + 1;
    const layout: StateLayout = { topic: this.#options.topic, partitions: Math.max(1, partitions) };
    this.#layout = layout;
    const keyed = this.plan.keyedStates.length > 0;
    this.#statePartitions = keyed ? new StatePartitions(layout) : undefined;
    this.#init = {
      jobPath: '(TestDriver)',
      env,
      signature: graph.signature(),
      valueFormat: this.#options.valueFormat,
      decodePolicy: this.#options.decodePolicy,
      latePolicy: this.#options.latePolicy,
      maxEventTimeAheadMs: this.#options.maxEventTimeAheadMs,
      generator: { seed: 0, partitions: 1 },
      ...(options.latencyTimestampField === undefined
        ? {}
        : { latencyTimestampField: options.latencyTimestampField }),
      // As in a run: the slots split their groups, and name their window pairs' state partitions.
      ...(keyed || this.plan.windowAggregates.length > 0 ? { statePartitions: layout.partitions } : {}),
    };
    this.#source = new MemorySource({
      topic: this.#options.topic,
      ...(options.partitions ? { partitions: options.partitions } : {}),
    });
    this.#run = this.#start();
    this.#ownClocks();
  }

  /** The event-time watermark the next batch runs with. */
  get watermark(): number {
    return this.#run.watermark.current;
  }

  /**
   * Restarts from a checkpoint: every partition's window state, watermark clock and update-mode
   * partials, and every state partition's keyed state, go through their checkpoint encoding and
   * come back in a new engine, task runner and state objects, as after a crash.
   */
  restart(): void {
    const old = this.#run;
    const run = this.#start();
    const time = this.#options.startTime + this.#batchId * this.#options.intervalMs;
    for (const { topic, partition } of this.#source.owned()) {
      const id = partitionId(topic, partition);
      const { state } = old.runner.run({ type: 'snapshot', topic, partition }) as SlotSnapshot;
      run.runner.run({ type: 'restore', topic, partition, state });
      const clock = old.watermark.snapshot(id);
      if (clock) run.watermark.restore(id, roundTrip(clock), time);
      run.merger.restore(id, roundTrip(old.merger.snapshot(id)));
    }
    const layout = this.#statePartitions?.layout;
    for (const { partition } of this.#statePartitions?.held() ?? []) {
      if (!layout) break;
      const { state } = old.runner.run({ type: 'keyedSnapshot', layout, partition }) as KeyedSlotSnapshot;
      run.runner.run({ type: 'keyedRestore', layout, partition, state: roundTrip(state) });
    }
    for (const { topic, partition } of old.exchange?.held() ?? []) {
      const id = partitionId(topic, partition);
      run.exchange?.restore(id, roundTrip(old.exchange?.snapshot(id) ?? []));
    }
    this.#run = run;
  }

  /** Ends the input, as an available-now run does: the watermark goes to +∞ and every open window fires. */
  async endOfInput(): Promise<DriverBatch> {
    this.#source.end();
    return this.#next();
  }

  async runBatch(records: readonly TestRecord[]): Promise<DriverBatch> {
    this.#source.push(records);
    return this.#next();
  }

  /** The source's next batch through the engine: the engine's loop, one turn at a time. */
  async #next(): Promise<DriverBatch> {
    const { startTime, intervalMs } = this.#options;
    const batchId = this.#batchId++;
    const time = startTime + (batchId + 1) * intervalMs;
    const work = await this.#source.next();
    this.#ownClocks();
    const seen: Seen = { results: [], outputs: [], forwards: [] };
    this.#seen = seen;
    const { engine, watermark } = this.#run;
    let fatal: PartitionResult['fatal'];
    let info: BatchInfo | undefined;
    let latency: LatencyHistogram | undefined;
    try {
      // No checkpoints here: at the end of input the watermark goes to +∞, as the engine's loop does.
      const stats =
        work === 'end'
          ? await engine.runBatch(batchId, time, [], Number.POSITIVE_INFINITY)
          : await engine.runBatch(batchId, time, work);
      info = stats.info;
      latency = stats.latency;
    } catch (error) {
      // A slot's fatal result stops the batch before its outputs, as it stops a run.
      fatal = seen.results.find((result) => result.fatal)?.fatal;
      if (!fatal || !seen.info) throw error;
      info = seen.info;
    }
    return {
      info,
      outputs: seen.outputs,
      decodeErrors: seen.results.reduce((sum, result) => sum + result.decodeErrors, 0),
      failures: seen.results.flatMap((result) => result.failures),
      late: seen.results.reduce((sum, result) => sum + (result.late ?? 0), 0),
      lateFailures: seen.results.flatMap((result) => result.lateFailures ?? []),
      callFailures: seen.results.flatMap((result) => result.callFailures ?? []),
      ...(fatal ? { fatal } : {}),
      watermark: watermark.current,
      forwards: seen.forwards,
      ...(latency ? { latency } : {}),
    };
  }

  /** A partition's watermark clock starts at the driver's start time, however late it is first seen. */
  #ownClocks(): void {
    for (const { topic, partition } of this.#source.owned())
      this.#run.watermark.own(partitionId(topic, partition), this.#options.startTime);
  }

  /** A new engine over new slots and state (a first start, or a restart). */
  #start(): Run {
    const source = this.#source;
    const now = (): number => this.#options.startTime + this.#batchId * this.#options.intervalMs;
    const runner = new TaskRunner(
      this.#init,
      this.#graph,
      (topic, partition, index) => source.given(topic, partition, index),
      now,
    );
    const slots = new InProcessSlots(runner);
    const merger = new WindowMerger();
    const watermark = new WatermarkTracker(this.plan.watermarks, this.#options.idleTimeoutMs);
    const keyed =
      this.#statePartitions && new DriverKeyedState(this.#statePartitions, slots, !this.#declared);
    // As on Kafka: window aggregations merge through the exchange, by their keys' state partitions.
    const exchange =
      this.plan.windowAggregates.length > 0 ? new DriverExchange(this.#layout, !this.#declared) : undefined;
    const engine = new Engine({
      plan: this.plan,
      slots: {
        run: async (topic: string, partition: number, task: SlotTask) => {
          if ('info' in task) this.#seen.info = task.info;
          const result = await slots.run(topic, partition, task);
          this.#seen.results.push(result);
          return result;
        },
      },
      source: this.#source,
      assignment: this.#source,
      replay: this.#source,
      outputs: this.#outputs(),
      trigger: 'available-now',
      intervalMs: this.#options.intervalMs,
      commitIntervalMs: 0,
      log: silentLogger,
      idleTimeoutMs: this.#options.idleTimeoutMs,
      windows: { merger, watermark },
      ...(keyed ? { keyed } : {}),
      ...(exchange ? { exchange, repartition: this.#repartition() } : {}),
      now,
    });
    return { runner, merger, watermark, keyed, exchange, engine };
  }

  /**
   * The repartition topics of a run on Kafka: none is read here (no other instance writes), and
   * what would go to the owners of other state partitions is kept for the batch.
   */
  #repartition(): RepartitionPort {
    return {
      topics: new Map(),
      write: async (forwards) => {
        for (const forward of forwards) this.#seen.forwards.push(forward);
      },
    };
  }

  /**
   * Every output's values are kept for the batch; foreachBatch outputs are called, the others only
   * kept. An output the slots encode (saveAsTextFiles, toKafka) shows what it would write, read
   * back: each line's or record value's JSON.
   */
  #outputs(): OutputPort {
    return {
      write: async (outputs, info) => {
        for (const output of outputs) {
          const { encoded, sink } = output;
          this.#seen.outputs.push(
            encoded && isEncodedSink(sink) ? { ...output, values: writtenValues(sink, encoded) } : output,
          );
          if (output.sink.type === 'foreachBatch') await output.sink.fn(output.values, info);
        }
      },
      interrupt: () => {},
    };
  }
}

/** Through msgpack, as a checkpoint carries it. */
function roundTrip<T>(value: T): T {
  return unpackState(packState(value)) as T;
}
