import { isAbsolute, join, resolve } from 'node:path';
import type { Kafka } from 'kafkajs';
import { lz4 } from '../codecs/index.ts';
import { ConfigError, type SluiceConfig } from '../config/index.ts';
import { BUILT_IN_JOBS } from '../jobs/index.ts';
import { type OutputContext, Outputs } from '../sinks/index.ts';
import {
  type AssignedPartition,
  BatchLog,
  CheckpointChangelog,
  Checkpointer,
  CheckpointStore,
} from '../state/index.ts';
import {
  buildGraph,
  type DecodeFailure,
  importJob,
  KeyedStateStore,
  Plan,
  WindowMerger,
} from '../stream/index.ts';
import { WatermarkTracker } from '../window/index.ts';
import { type BatchStats, Engine, type EngineSummary } from './engine.ts';
import type { Logger } from './logger.ts';
import { Slots } from './slots.ts';
import type { BatchSource } from './source.ts';
import { GeneratorSource } from './source-generator.ts';
import { stateLayout } from './state-layout.ts';
import type { WorkerInit } from './types.ts';

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
    ) => Promise<BatchSource>;
    readonly outputs: NonNullable<OutputContext['kafka']>;
    /** The client, for reading the checkpoint changelog topic. */
    readonly client?: Kafka;
    readonly deadLetter?: (failures: readonly DecodeFailure[]) => Promise<void>;
  };
  readonly write?: (text: string) => void;
  readonly onBatch?: (stats: BatchStats) => void;
};

export type App = {
  readonly source: BatchSource;
  readonly done: Promise<EngineSummary>;
  stop(): void;
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
    generator: { seed: config.generatorSeed, partitions: config.generatorPartitions },
  };
  const plan = new Plan(graph);
  const intervalProblems = plan.intervalProblems(config.batchIntervalMs);
  if (intervalProblems.length > 0) throw new ConfigError(intervalProblems);
  const slots = new Slots(config.workers, init);
  const windows = {
    merger: new WindowMerger(),
    watermark: new WatermarkTracker(plan.watermarks, config.idleTimeoutMs),
  };
  const keyed =
    plan.keyedStates.length > 0
      ? new KeyedStateStore({ log, layout: await stateLayout(config, options.kafka?.outputs.admin) })
      : undefined;
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
                }),
              }
            : {}),
          signature: graph.signature(),
          intervalMs: config.checkpointIntervalMs,
          slots,
          watermark: windows.watermark,
          windows: windows.merger,
          ...(keyed ? { keyed } : {}),
          log,
        })
      : undefined;
  const restore = checkpointer
    ? (partitions: readonly AssignedPartition[]) => checkpointer.restoreAll(partitions)
    : undefined;
  const source = options.kafka
    ? await options.kafka.source(slots, restore).catch(async (error: unknown) => {
        await slots.close();
        throw error;
      })
    : new GeneratorSource({
        spec: init.generator,
        ratePerSecond: config.generatorRate,
        eventsPerPartition: config.generatorEvents,
        bounded: config.trigger === 'available-now',
        maxRecordsPerBatch: config.maxRecordsPerBatch,
      });
  const outputs = new Outputs({
    retry: { timeoutMs: config.sinkRetryTimeoutMs },
    log,
    ...(options.write ? { write: options.write } : {}),
    ...(options.kafka ? { kafka: options.kafka.outputs } : {}),
  });
  const engine = new Engine({
    plan,
    idleTimeoutMs: config.idleTimeoutMs,
    windows,
    ...(keyed ? { keyed } : {}),
    ...(checkpointer ? { checkpoints: checkpointer } : {}),
    slots,
    source,
    outputs,
    trigger: config.trigger,
    intervalMs: config.batchIntervalMs,
    commitIntervalMs: config.commitIntervalMs,
    log,
    ...(options.kafka?.deadLetter ? { deadLetter: options.kafka.deadLetter } : {}),
    ...(options.onBatch ? { onBatch: options.onBatch } : {}),
  });
  log.info(
    { job: jobPath, source: source.name, slots: config.workers, trigger: config.trigger },
    'sluice started',
  );
  const done = engine.run().finally(async () => {
    await source.close();
    await slots.close();
  });
  return { source, done, stop: () => engine.stop() };
}
