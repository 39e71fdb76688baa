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
  const intervalProblems = plan.intervalProblems(config.batchIntervalMs);
  if (intervalProblems.length > 0) throw new ConfigError(intervalProblems);
  return { jobPath, signature, plan, init };
}
