// What the dashboard knows of the run beyond the batch history: its header, slots' busy share, operator totals, failure.

import { availableParallelism } from 'node:os';
import type { CheckpointActivityJson, PartitionWatermark } from '../app/index.ts';
import type { BatchFailure, BatchStats } from '../coordinator/index.ts';
import { isSluiceError, redactText } from '../errors/index.ts';
import { offsetRangesJson } from './batch-history.ts';
import { BusyShare } from './busy-share.ts';
import { type EnvironmentRow, environmentRows } from './environment.ts';
import { OperatorCounter } from './operator-totals.ts';
import { type RunHeader, type RunInfo, runHeader } from './run-header.ts';
import type { FailureJson } from './types.ts';

/** What the run attaches for the dashboard's state and watermark views. */
export type RunSources = {
  readonly watermarks?: () => readonly PartitionWatermark[];
  readonly checkpoints?: () => CheckpointActivityJson | undefined;
  /** The environment the run was configured from: SLUICE_* variables, redacted when shown. */
  readonly env?: Readonly<Record<string, string | undefined>>;
};

/** Fed by the run alongside the batch history; read by the dashboard's endpoints. */
export class RunView {
  readonly #busy = new BusyShare();
  readonly #operators = new OperatorCounter();
  #run: RunInfo | undefined;
  #sources: RunSources = {};
  #failure: FailureJson | undefined;

  describe(run: RunInfo, sources: RunSources): void {
    this.#run = run;
    this.#sources = sources;
  }

  /** A batch's end: operator totals, and the slots' busy seconds read now (`busySeconds`). */
  observeBatch(stats: BatchStats, busySeconds: readonly number[] | undefined, now: number): void {
    this.#operators.add(stats);
    if (busySeconds) this.#busy.sample(now, busySeconds);
  }

  /** The first failed batch is the one shown: what follows it is usually its consequence. */
  observeFailure(failure: BatchFailure): void {
    if (this.#failure) return;
    const { info, step, error } = failure;
    this.#failure = {
      reason: reasonOf(error),
      step,
      batch: { batchId: info.batchId, time: info.time, offsetRanges: offsetRangesJson(info.offsetRanges) },
    };
  }

  get failure(): FailureJson | undefined {
    return this.#failure;
  }

  busyShares(): readonly number[] {
    return this.#busy.shares();
  }

  header(now: number): RunHeader | undefined {
    const run = this.#run;
    if (!run) return undefined;
    return runHeader(run, this.#operators.totals(run.job.operators.map((operator) => operator.parents)), now);
  }

  environment(): EnvironmentRow[] {
    return environmentRows(this.#sources.env ?? {}, availableParallelism());
  }

  watermarks(): readonly PartitionWatermark[] {
    return this.#sources.watermarks?.() ?? [];
  }

  checkpoints(): CheckpointActivityJson | undefined {
    return this.#sources.checkpoints?.();
  }
}

/** An error as the page shows it: code and message, never a stack, never a secret. */
function reasonOf(error: unknown): string {
  const text = isSluiceError(error)
    ? `${error.code}: ${error.message}`
    : error instanceof Error
      ? error.message
      : String(error);
  return redactText(text);
}
