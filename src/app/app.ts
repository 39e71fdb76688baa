import { isAbsolute, join, resolve } from 'node:path';
import type { Kafka } from 'kafkajs';
import { RateController } from '../backpressure/index.ts';
import {
  type AssignedPartition,
  BatchLog,
  CheckpointChangelog,
  Checkpointer,
  CheckpointStore,
} from '../checkpoint/index.ts';
import { lz4 } from '../codecs/index.ts';
import { ConfigError, type SluiceConfig } from '../config/index.ts';
import type { AppSource } from '../coordinator/index.ts';
import {
  type BatchInFlight,
  type BatchStats,
  Engine,
  type EngineSummary,
  SlotKeyedState,
  Slots,
  WindowExchange,
  WindowMerger,
} from '../coordinator/index.ts';
import type { Logger } from '../core/index.ts';
import { buildGraph, importJob, Plan } from '../dsl/index.ts';
import { BUILT_IN_JOBS } from '../jobs/index.ts';
import { KafkaTransactions, RepartitionTopics, retryingKafka, transactionTimeoutMs } from '../kafka/index.ts';
import {
  type OutputContext,
  Outputs,
  postgresNodes,
  postgresProblems,
  removeStaleTempFilesOf,
} from '../sinks/index.ts';
import { GeneratorSource } from '../sources/index.ts';
import type { WorkerInit } from '../task/index.ts';
import { type DecodeFailure, StatePartitions } from '../task/index.ts';
import { WatermarkTracker } from '../window/index.ts';
import { stateLayout } from './state-layout.ts';

export type AppOptions = {
  readonly config: SluiceConfig;
  /** The environment the job module sees, in every thread. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: Logger;
  /** Overrides SLUICE_JOB. */
  readonly job?: string;
  /** A Kafka source and Kafka outputs, when SLUICE_BROKERS is set. */
  readonly kafka?: {
    /**
     * Creates and starts the source; `slots` lets it hand back partitions it loses, `restore`
     * (with checkpoints) restores the partitions assigned together and says where to read each from.
     */
    readonly source: (
      slots: Slots,
      restore?: (partitions: readonly AssignedPartition[]) => Promise<readonly (bigint | undefined)[]>,
      /** The state operations' repartition topics, to subscribe with co-partitioned assignment. */
      repartitionTopics?: readonly string[],
      /** The job has `window()`s, whose records are this instance's partitions' only. */
      recordWindows?: boolean,
    ) => Promise<AppSource>;
    readonly outputs: NonNullable<OutputContext['kafka']>;
    /** The client, for reading the checkpoint changelog topic. */
    readonly client?: Kafka;
    readonly deadLetter?: (failures: readonly DecodeFailure[]) => Promise<void>;
  };
  /** Where print() writes; stdout by default. */
  readonly write?: (text: string) => void | Promise<void>;
  readonly onBatch?: (stats: BatchStats) => void;
  /** The error that stops the run, told before the source and slots close (readiness goes first). */
  readonly onFatal?: (error: unknown) => void;
};

export type App = {
  readonly source: AppSource;
  readonly done: Promise<EngineSummary>;
  stop(): void;
  /** Per worker slot, the fraction of the time it was busy since it started. */
  utilization(): number[];
  /** The batch running now, if one is. */
  inFlight(): BatchInFlight | undefined;
};

/** SLUICE_JOB (or the CLI's job argument) as a module path: a built-in name, or a file. */
export function resolveJobPath(job: string, cwd = process.cwd()): string {
  return BUILT_IN_JOBS[job] ?? (isAbsolute(job) ? job : resolve(cwd, job));
}

/** Wires a job to its source, worker slots and outputs, and starts the batch loop. */
export async function startApp(options: AppOptions): Promise<App> {
  const { config, env, log } = options;
  const jobPath = resolveJobPath(options.job ?? config.job);
  const graph = buildGraph(await importJob(jobPath), env);
  const init: WorkerInit = {
    jobPath,
    env,
    signature: graph.signature(),
    valueFormat: config.valueFormat,
    decodePolicy: config.onDecodeError,
    latePolicy: config.onLateRecord,
    maxEventTimeAheadMs: config.maxEventTimeAheadMs,
    generator: { seed: config.generatorSeed, partitions: config.generatorPartitions },
  };
  const plan = new Plan(graph);
  const intervalProblems = plan.intervalProblems(config.batchIntervalMs);
  if (intervalProblems.length > 0) throw new ConfigError(intervalProblems);
  const postgres = postgresOutputs(plan, config);
  if (postgres.problems.length > 0) throw new ConfigError(postgres.problems);
  const guaranteeIssues = outputGuarantees(plan, config, log);
  if (guaranteeIssues.length > 0) throw new ConfigError(guaranteeIssues);
  await removeStaleTempFilesOf(plan.nodes, log);
  const windows = {
    merger: new WindowMerger(),
    watermark: new WatermarkTracker(plan.watermarks, config.idleTimeoutMs),
  };
  // On Kafka, window aggregations merge across instances, by the state partition of their keys.
  const exchanged = options.kafka ? plan.windowAggregates : [];
  const layout =
    plan.keyedStates.length > 0 || exchanged.length > 0
      ? await stateLayout(config, options.kafka?.outputs.admin)
      : undefined;
  // The slots split their groups by state partition, so that the main thread passes them on as bytes.
  const slots = new Slots(
    config.workers,
    layout && plan.keyedStates.length > 0 ? { ...init, statePartitions: layout.partitions } : init,
  );
  const keyed =
    layout && plan.keyedStates.length > 0
      ? new SlotKeyedState(new StatePartitions(layout, log), slots)
      : undefined;
  const exchange = layout && exchanged.length > 0 ? new WindowExchange(layout) : undefined;
  const transactions = exactlyOnce(options, log);
  const transaction = transactions && {
    send: (record: Parameters<KafkaTransactions['send']>[0]) => transactions.send(record),
    commit: (offsets: Parameters<KafkaTransactions['commit']>[0]) => transactions.commit(offsets),
  };
  // Keyed state across instances: keys of state partitions owned elsewhere travel through these.
  const repartition =
    layout && options.kafka
      ? new RepartitionTopics({
          admin: options.kafka.outputs.admin,
          sender: transaction ?? options.kafka.outputs.producer,
          groupId: config.groupId,
          nodes: [...plan.keyedStates, ...exchanged],
          partitions: layout.partitions,
        })
      : undefined;
  if (repartition) await repartition.ensure();
  const checkpointer =
    options.kafka && config.checkpointDir !== undefined
      ? new Checkpointer({
          store: new CheckpointStore(join(config.checkpointDir, config.groupId), lz4()),
          batches: new BatchLog(join(config.checkpointDir, config.groupId)),
          ...(options.kafka.client
            ? {
                changelog: new CheckpointChangelog({
                  kafka: options.kafka.client,
                  ...options.kafka.outputs,
                  topic: `${config.groupId}-checkpoints`,
                  retry: (what, call) =>
                    retryingKafka(what, call, {
                      timeoutMs: config.kafkaRetryTimeoutMs,
                      brokers: config.brokers ?? [],
                      log,
                    }),
                }),
              }
            : {}),
          ...(transaction ? { transaction } : {}),
          signature: graph.signature(),
          intervalMs: config.checkpointIntervalMs,
          slots,
          watermark: windows.watermark,
          windows: windows.merger,
          ...(keyed ? { keyed } : {}),
          ...(exchange ? { exchange } : {}),
          log,
        })
      : undefined;
  const outputs = new Outputs({
    retry: { timeoutMs: config.sinkRetryTimeoutMs },
    log,
    skipEmpty: config.trigger === 'continuous',
    ...(options.write ? { write: options.write } : {}),
    ...(options.kafka ? { kafka: options.kafka.outputs } : {}),
    ...(transaction ? { transaction } : {}),
    postgres: postgres.context,
  });
  // Exactly-once to PostgreSQL: a partition without a checkpoint starts where the table's stored
  // offsets say, which may be ahead of the group's commit (a crash between the two commits).
  const stored = postgres.stored(outputs);
  // Exactly-once: a partition's earlier owner is fenced before its state is read back.
  const restore =
    checkpointer || transactions || stored
      ? async (partitions: readonly AssignedPartition[]) => {
          // The owner of repartition partition q owns input partition q, whose id fences it.
          await transactions?.fence(partitions.filter(({ topic }) => !repartition?.topics.has(topic)));
          const restored = checkpointer
            ? await checkpointer.restoreAll(partitions)
            : partitions.map(() => undefined);
          if (!stored) return restored;
          const ends = await stored(partitions);
          return restored.map((offset, index) => offset ?? ends[index]);
        }
      : undefined;
  const source = options.kafka
    ? await options.kafka
        .source(
          slots,
          restore,
          repartition ? [...repartition.topics.keys()] : undefined,
          plan.windows.some((node) => node.kind === 'window'),
        )
        .catch(async (error: unknown) => {
          await slots.close();
          throw error;
        })
    : new GeneratorSource({
        spec: init.generator,
        ratePerSecond: config.generatorRate,
        eventsPerPartition: config.generatorEvents,
        bounded: config.trigger === 'available-now',
        maxRecordsPerBatch: config.maxRecordsPerBatch,
        maxBytesPerBatch: config.maxBytesPerBatch,
      });
  const engine = new Engine({
    plan,
    idleTimeoutMs: config.idleTimeoutMs,
    windows,
    ...(keyed ? { keyed } : {}),
    ...(exchange ? { exchange } : {}),
    ...(checkpointer ? { checkpoints: checkpointer } : {}),
    ...(transactions ? { transactions } : {}),
    ...(repartition ? { repartition } : {}),
    slots,
    source,
    assignment: source,
    replay: source,
    outputs,
    trigger: config.trigger,
    intervalMs: config.batchIntervalMs,
    commitIntervalMs: config.commitIntervalMs,
    log,
    ...(options.kafka?.deadLetter ? { deadLetter: options.kafka.deadLetter } : {}),
    ...(options.onBatch ? { onBatch: options.onBatch } : {}),
    rates: new RateController({
      backpressure: config.backpressure,
      initialRate: config.backpressureInitialRate,
      minRate: config.backpressureMinRate,
      maxRatePerPartition: config.maxRatePerPartition,
      batchIntervalMs: config.batchIntervalMs,
    }),
  });
  log.info(
    { job: jobPath, source: source.name, slots: config.workers, trigger: config.trigger },
    'sluice started',
  );
  const run = engine.run().catch((error: unknown) => {
    options.onFatal?.(error);
    throw error;
  });
  const done = run.finally(async () => {
    await transactions?.close();
    await source.close();
    await slots.close();
    await outputs.close();
  });
  return {
    source,
    done,
    stop: () => engine.stop(),
    utilization: () => slots.utilization(),
    inFlight: () => engine.inFlight(),
  };
}

/** The job's PostgreSQL outputs: their connection default, start problems, stored offsets. */
function postgresOutputs(plan: Plan, config: SluiceConfig) {
  const nodes = postgresNodes(plan.nodes);
  const context = {
    url: config.sink.type === 'postgres' ? config.sink.url : undefined,
    guarantee: config.guarantee,
    groupId: config.groupId,
    nodes,
  };
  const [first] = nodes;
  return {
    context,
    problems: postgresProblems(nodes, context),
    stored: (outputs: Outputs) =>
      first && config.guarantee === 'exactly-once'
        ? (partitions: readonly AssignedPartition[]) =>
            outputs.storedOffsets(first.node, first.sink, partitions)
        : undefined,
  };
}

/** Exactly-once Kafka outputs: transactions on the input partitions' ids (none at-least-once). */
function exactlyOnce(options: AppOptions, log: Logger): KafkaTransactions | undefined {
  const { config } = options;
  const client = options.kafka?.client;
  if (config.guarantee !== 'exactly-once' || !client) return undefined;
  const { timeoutMs, capped } = transactionTimeoutMs(config);
  if (capped) {
    log.warn(
      { timeoutMs, sinkRetryTimeoutMs: config.sinkRetryTimeoutMs },
      'SLUICE_GUARANTEE=exactly-once: a transaction can stay open longer than the broker allows (15 min) while an output is retried; the broker then aborts it and the run stops',
    );
  }
  return new KafkaTransactions({ kafka: client, groupId: config.groupId, timeoutMs, log });
}

/**
 * Under exactly-once, which outputs keep the promise: Kafka (transactions), files (by batch id,
 * which needs the batch log of checkpoints); print and foreachBatch cannot be undone, so they are
 * at-least-once, said once at start. Returns the problems that stop the run.
 */
function outputGuarantees(plan: Plan, config: SluiceConfig, log: Logger): string[] {
  if (config.guarantee !== 'exactly-once') return [];
  const problems: string[] = [];
  for (const node of plan.nodes) {
    if (node.kind !== 'output') continue;
    const { type } = node.sink;
    if (type === 'saveAsTextFiles' && config.checkpointDir === undefined) {
      problems.push(
        `SLUICE_GUARANTEE=exactly-once: output ${node.id} (saveAsTextFiles) is idempotent by batch id only with SLUICE_CHECKPOINT_DIR, whose batch log replays a batch as it was`,
      );
    }
    if (type === 'print' || type === 'foreachBatch') {
      log.warn(
        { output: node.id, sink: type },
        'SLUICE_GUARANTEE=exactly-once: this output is at-least-once (a replayed batch runs it again; foreachBatch can use the batch id to skip it)',
      );
    }
  }
  return problems;
}
