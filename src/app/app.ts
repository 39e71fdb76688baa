// startApp, the one composition root: Kafka clients, job, slots, state, outputs, checkpoints, source, batch loop.
import type { Admin } from 'kafkajs';
import { type LatencyTuner, RateController } from '../backpressure/index.ts';
import type { CheckpointActivityJson } from '../checkpoint/index.ts';
import { generatorRate, type SluiceConfig } from '../config/index.ts';
import {
  type AppSource,
  type BatchFailure,
  type BatchInFlight,
  type BatchStats,
  type BufferedPartition,
  Engine,
  type EngineSummary,
  WindowMerger,
} from '../coordinator/index.ts';
import { type Logger, parsePartitionId } from '../core/index.ts';
import { type ClientSoftware, describeKafka, type KafkaClusterInfo } from '../kafka/index.ts';
import { GeneratorSource } from '../sources/index.ts';
import { WatermarkTracker } from '../window/index.ts';
import { createCheckpointer, restoreOf } from './checkpoint-wiring.ts';
import { withInputTopics } from './input-topics.ts';
import { loadJob } from './job.ts';
import { type JobSummary, jobSummary } from './job-summary.ts';
import { connectKafka, type KafkaClients, startDeadLetters } from './kafka-clients.ts';
import { exactlyOnce, repartitionTopics, startKafkaSource, transactionWriter } from './kafka-wiring.ts';
import { latencyTuner } from './latency-tuning.ts';
import { createOutputTopics } from './output-topics.ts';
import { checkOutputs, createOutputs } from './outputs-wiring.ts';
import { placeState, stateLayout } from './state-layout.ts';

export type AppOptions = {
  readonly config: SluiceConfig;
  /** The environment the job module sees, in every thread. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: Logger;
  /** Overrides SLUICE_JOB. */
  readonly job?: string;
  /**
   * A stop requested during start-up: connecting to Kafka is given up (`startApp` rejects with
   * `StartStopped`); a group join under way finishes, so that the group is left cleanly.
   */
  readonly signal?: AbortSignal;
  /** Where print() writes; stdout by default. */
  readonly write?: (text: string) => void | Promise<void>;
  readonly onBatch?: (stats: BatchStats) => void;
  /** Told when a batch fails, before the run stops for it. */
  readonly onBatchFailed?: (failure: BatchFailure) => void;
  /** The error that stops the run, told before the source and slots close (readiness goes first). */
  readonly onFatal?: (error: unknown) => void;
};

/** A started run: its end, its stop, and what the admin endpoints and the stall watchdog read. */
export type App = {
  /** Settles once the run ended and its source, slots and outputs are closed. */
  readonly done: Promise<EngineSummary>;
  stop(): void;
  /** Disconnects the Kafka clients, once `done` has settled. */
  close(): Promise<void>;
  /** Per worker slot, the fraction of the time it was busy since it started. */
  utilization(): number[];
  /** Per worker slot, the seconds it was busy since it started (never decreasing). */
  busySeconds(): number[];
  /** The batch running now, if one is. */
  inFlight(): BatchInFlight | undefined;
  /** Resolves once the source has its first partitions (restored, with checkpoints). */
  ready(): Promise<void>;
  /** Why the source cannot make progress now, or undefined. */
  unavailable(): string | undefined;
  /** Per owned partition, the records fetched and waiting for a batch. */
  buffered(): readonly BufferedPartition[];
  /** The partitions this instance owns now. */
  owned(): readonly { readonly topic: string; readonly partition: number }[];
  /** Records the source holds that a coming batch can take. */
  waiting(): number;
  /** On SLUICE_BROKERS, the admin client: the group's lag is read with it. */
  readonly kafkaAdmin?: Admin;
  /** On SLUICE_BROKERS: the cluster's id, brokers and release, for the dashboard's header. */
  describeKafka?(software: ClientSoftware): Promise<KafkaClusterInfo>;
  /** The job: its name, settings and plan, for the dashboard. */
  readonly job: JobSummary;
  /** Per owned partition, its event-time watermark (-∞ before any) and whether it is idle; empty without windows. */
  watermarks(): PartitionWatermark[];
  /** The last checkpoints and restore; undefined without SLUICE_CHECKPOINT_DIR. */
  checkpoints(): CheckpointActivityJson | undefined;
};

export type PartitionWatermark = {
  readonly topic: string;
  readonly partition: number;
  readonly watermark: number;
  readonly idle: boolean;
};

/**
 * Starts a run: on SLUICE_BROKERS, Kafka clients first (a failed start closes them), then the
 * job, its slots, state, outputs, checkpoints and source, and the batch loop.
 */
export async function startApp(options: AppOptions): Promise<App> {
  const { config, log } = options;
  const kafka = config.brokers ? await connectKafka(config, config.brokers, log, options.signal) : undefined;
  try {
    return await wire(options, kafka);
  } catch (error) {
    await kafka?.close();
    throw error;
  }
}

async function wire(options: AppOptions, kafka: KafkaClients | undefined): Promise<App> {
  const { log } = options;
  const { jobPath, signature, plan, init } = await loadJob(options.config, options.env, options.job);
  const config = withInputTopics(options.config, plan.inputs);
  const checked = await checkOutputs(plan, config, log);
  if (kafka) await createOutputTopics(plan, kafka.admin, config, log);
  const deadLetter =
    kafka && (await startDeadLetters(kafka, config, log, plan.deadLetteringCalls().length > 0));
  const windows = {
    merger: new WindowMerger(),
    watermark: new WatermarkTracker(plan.watermarks, config.idleTimeoutMs),
  };
  const state = await placeState(plan, init, config, kafka?.admin, log);
  // Joins of two inputs meet a key's records of both only where partition q of each is.
  const coPartitioned = plan.joins.length > 0 && kafka !== undefined;
  if (coPartitioned) await stateLayout(config, kafka.admin, 'a join of two inputs');
  const { slots, keyed, exchange } = state;
  const transactions = exactlyOnce(config, kafka, log);
  const transaction = transactionWriter(transactions);
  const repartition = await repartitionTopics(kafka, state, plan, config, transaction, log);
  const checkpointer = createCheckpointer({ config, kafka, transaction, signature, state, windows, log });
  const { outputs, stored } = createOutputs({
    checked,
    config,
    log,
    kafka,
    transaction,
    write: options.write,
  });
  const restore = restoreOf(checkpointer, transactions, repartition, stored);
  const source: AppSource = kafka
    ? await startKafkaSource({
        kafka,
        config,
        log,
        slots,
        ...(restore ? { restore } : {}),
        ...(repartition ? { repartition } : {}),
        recordWindows: plan.windows.some((node) => node.kind === 'window'),
        tableTopics: plan.inputs.tableTopics(),
        coPartitioned,
      })
    : new GeneratorSource({
        spec: init.generator,
        ratePerSecond: generatorRate(config),
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
    ...(deadLetter ? { deadLetter } : {}),
    ...(options.onBatch ? { onBatch: options.onBatch } : {}),
    ...(options.onBatchFailed ? { onBatchFailed: options.onBatchFailed } : {}),
    rates: new RateController({
      backpressure: config.backpressure,
      initialRate: config.backpressureInitialRate,
      minRate: config.backpressureMinRate,
      maxRatePerPartition: config.maxRatePerPartition,
      batchIntervalMs: config.batchIntervalMs,
    }),
    ...withTuner(latencyTuner(config, plan)),
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
    done,
    stop: () => engine.stop(),
    close: async () => {
      await kafka?.close();
    },
    utilization: () => slots.utilization(),
    busySeconds: () => slots.busySeconds(),
    inFlight:
      plan.asyncNodes.length === 0
        ? () => engine.inFlight()
        : () => {
            const batch = engine.inFlight();
            return batch && { ...batch, calls: slots.callsSettled() };
          },
    ready: () => source.ready(),
    unavailable: () => source.unavailable(),
    buffered: () => source.buffered(),
    owned: () => source.owned(),
    waiting: () => source.waiting(),
    ...(kafka
      ? {
          kafkaAdmin: kafka.admin,
          describeKafka: (software: ClientSoftware) => describeKafka(kafka.client, kafka.admin, software),
        }
      : {}),
    job: jobSummary(jobPath, plan, config),
    watermarks: () =>
      plan.windows.length === 0
        ? []
        : windows.watermark.partitions(Date.now()).map(({ id, watermark, idle }) => ({
            ...parsePartitionId(id),
            watermark,
            idle,
          })),
    checkpoints: () => checkpointer?.activity.json(),
  };
}

function withTuner(tuner: LatencyTuner | undefined): { tuner?: LatencyTuner } {
  return tuner ? { tuner } : {};
}
