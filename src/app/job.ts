// The job a run executes: its module path, its graph and plan, and what each worker slot loads.
import { isAbsolute, resolve } from 'node:path';
import { ConfigError, type SluiceConfig } from '../config/index.ts';
import { buildGraph, importJob, Plan } from '../dsl/index.ts';
import { BUILT_IN_JOBS } from '../jobs/index.ts';
import { maxDecompressedBytesFor, type WorkerInit } from '../task/index.ts';

/** SLUICE_JOB (or the CLI's job argument) as a module path: a built-in name, or a file. */
export function resolveJobPath(job: string, cwd = process.cwd()): string {
  return BUILT_IN_JOBS[job] ?? (isAbsolute(job) ? job : resolve(cwd, job));
}

export type LoadedJob = {
  readonly jobPath: string;
  /** The graph's signature: checkpoints and the slots' own graphs must match it. */
  readonly signature: string;
  readonly plan: Plan;
  /** What each worker slot is started with. */
  readonly init: WorkerInit;
};

/**
 * Imports the job (`job`, else SLUICE_JOB), builds its graph with `env` and plans it. A window
 * that is not a multiple of SLUICE_BATCH_INTERVAL_MS stops the start with `SLUICE_CONFIG_INVALID`.
 */
export async function loadJob(
  config: SluiceConfig,
  env: Readonly<Record<string, string | undefined>>,
  job: string | undefined,
): Promise<LoadedJob> {
  const jobPath = resolveJobPath(job ?? config.job);
  const graph = buildGraph(await importJob(jobPath), env);
  const signature = graph.signature();
  const init: WorkerInit = {
    jobPath,
    env,
    signature,
    valueFormat: config.valueFormat,
    decodePolicy: config.onDecodeError,
    latePolicy: config.onLateRecord,
    maxEventTimeAheadMs: config.maxEventTimeAheadMs,
    generator: { seed: config.generatorSeed, partitions: config.generatorPartitions },
    maxDecompressedBytes: maxDecompressedBytesFor(config.maxBytesPerBatch),
    sinkMaxBatchBytes: config.sinkMaxBatchBytes,
    ...(config.latencyTimestampField === undefined
      ? {}
      : { latencyTimestampField: config.latencyTimestampField }),
  };
  const plan = new Plan(graph);
  const problems = [...plan.intervalProblems(config.batchIntervalMs), ...deadLetterProblems(plan, config)];
  if (problems.length > 0) throw new ConfigError(problems);
  return { jobPath, signature, plan, init };
}

/** A mapAsync or filterAsync with `onError: 'dlq'` needs a dead-letter topic to write to. */
function deadLetterProblems(plan: Plan, config: SluiceConfig): string[] {
  return plan.deadLetteringCalls().flatMap((operator) => {
    const what = `${operator} sends the records of failed calls to the dead-letter topic (onError: 'dlq')`;
    if (config.brokers === undefined) {
      return [
        `${what}: it needs SLUICE_BROKERS and SLUICE_DLQ_TOPIC; the generator has no dead-letter topic`,
      ];
    }
    return config.dlqTopic === undefined ? [`${what}: SLUICE_DLQ_TOPIC is required`] : [];
  });
}
