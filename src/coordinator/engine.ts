/** The coordinator's loop: batches on the trigger, one at a time, with revocations and the stop in between. */
import { WatermarkTracker } from '../window/index.ts';
import { BatchRun } from './batch-run.ts';
import { Commits } from './commits.ts';
import type { BatchInFlight, BatchStats, EngineOptions, EngineSummary } from './engine-types.ts';
import { Ownership } from './ownership.ts';
import { RepartitionIngress } from './repartition-ingress.ts';
import { replayLogged } from './replay.ts';
import { Schedule } from './schedule.ts';
import type { PartitionWork } from './source.ts';
import { WindowMerger } from './window-merge.ts';

export type {
  BatchFailure,
  BatchInFlight,
  BatchStats,
  EngineOptions,
  EngineSummary,
  Trigger,
} from './engine-types.ts';

const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

/**
 * The coordinator's loop: on each trigger, take every partition's work from the source, run it
 * in the partitions' slots in parallel, merge, write the outputs, then commit. Outputs before
 * commits makes delivery at-least-once; a failure anywhere commits nothing and stops the run.
 */
export class Engine {
  readonly #options: EngineOptions;
  readonly #now: () => number;
  readonly #watermark: WatermarkTracker | undefined;
  readonly #ownership: Ownership;
  readonly #commits: Commits;
  readonly #schedule: Schedule;
  readonly #batches: BatchRun;
  #stopping = false;
  /** The batch (or checkpoint) running now, and a revocation's checkpoint: never both at once. */
  #inFlight: Promise<void> | undefined;
  #revoking: Promise<void> | undefined;

  constructor(options: EngineOptions) {
    this.#options = options;
    const now = options.now ?? Date.now;
    this.#now = now;
    const { plan, keyed, exchange } = options;
    const windows = options.windows?.merger ?? new WindowMerger();
    // Set when the job has windows or event time (an interval join's state goes by the
    // watermark): they need every owned partition's slot on every batch.
    const watermark =
      plan.windows.length > 0 || plan.watermarks.size > 0
        ? (options.windows?.watermark ??
          new WatermarkTracker(plan.watermarks, options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS))
        : undefined;
    this.#watermark = watermark;
    const ingress = new RepartitionIngress(plan, options.repartition, exchange);
    this.#ownership = new Ownership({
      assignment: options.assignment,
      ingress,
      watermark,
      windows,
      keyed,
      exchange,
    });
    this.#commits = new Commits({
      source: options.source,
      checkpoints: options.checkpoints,
      transactions: options.transactions,
      ownership: this.#ownership,
      trigger: options.trigger,
      commitIntervalMs: options.commitIntervalMs,
      now,
    });
    this.#schedule = new Schedule({
      trigger: options.trigger,
      intervalMs: options.intervalMs,
      rates: options.rates,
      tuner: options.tuner,
      source: options.source,
      commits: this.#commits,
      ticks: watermark !== undefined || keyed !== undefined,
      now,
    });
    const schedule = this.#schedule;
    this.#batches = new BatchRun({
      ...options,
      interval: () => schedule.intervalMs,
      now,
      watermark,
      windows,
      ownership: this.#ownership,
      ingress,
      commits: this.#commits,
    });
  }

  /** Asks the loop to stop after the batch in flight: its outputs are written and committed. */
  stop(): void {
    this.#stopping = true;
    this.#schedule.wake();
    this.#options.source.interrupt();
    this.#options.outputs.interrupt();
  }

  /** The batch in flight, if one is. */
  inFlight(): BatchInFlight | undefined {
    return this.#batches.inFlight();
  }

  async run(): Promise<EngineSummary> {
    const { source, log } = this.#options;
    const summary = { batches: 0, records: 0, decodeErrors: 0, late: 0 };
    const count = (stats: BatchStats): void => {
      summary.batches++;
      summary.records += stats.records;
      summary.decodeErrors += stats.decodeErrors;
      summary.late += stats.late;
    };
    const started = this.#now();
    this.#commits.start(started);
    this.#schedule.ran(started);
    try {
      this.#ownership.onRevoking(() => this.#revoke());
      await this.#exclusive(() =>
        replayLogged({
          checkpoints: this.#options.checkpoints,
          replay: this.#options.replay,
          ownership: this.#ownership,
          batches: this.#batches,
          commits: this.#commits,
          stopping: () => this.#stopping,
          log,
          count,
        }),
      );
      while (!this.#stopping) {
        const time = await this.#schedule.nextBatchTime();
        if (this.#stopping) break;
        const step = await this.#exclusive(async (): Promise<'done' | 'ran' | 'idle'> => {
          const work = await source.next(this.#schedule.budget());
          if (work === 'end') {
            // End of input. Without checkpoints, open windows would be lost: the watermark goes to +∞
            // and every one fires, as on Flink's bounded input. With them, the windows wait in the
            // checkpoint for the next run's records, and one batch without records fires what the
            // last batch's watermark closed (Structured Streaming's no-data batch).
            if (this.#watermark) {
              const end = this.#options.checkpoints ? undefined : Number.POSITIVE_INFINITY;
              count(await this.#batches.run(this.#now(), [], end));
            }
            return 'done';
          }
          if (this.#stopping && work.length === 0) return 'done';
          if (this.#schedule.idle(work)) {
            await this.#commits.idleUpkeep();
            return 'idle';
          }
          this.#schedule.ran(time);
          count(await this.#batches.run(time, work));
          await this.#commits.checkpointIfDue();
          return 'ran';
        });
        if (step === 'done') break;
        // Outside the exclusive step: a revocation may run while the loop waits.
        if (step === 'idle' && !this.#stopping) await this.#schedule.waitForData();
      }
      await this.#exclusive(() => this.#commits.finish());
    } finally {
      this.#batches.clear();
      log.info({ ...summary }, 'engine stopped');
    }
    return summary;
  }

  /**
   * One batch of `work` outside the loop, for a caller that cuts the batches itself (the
   * TestDriver): batch `batchId` at time `time`, with `watermark` instead of the current one (+∞:
   * the end of input). As a replayed batch, it leaves the batch log and the rate estimator alone.
   */
  async runBatch(
    batchId: number,
    time: number,
    work: readonly PartitionWork[],
    watermark?: number,
  ): Promise<BatchStats> {
    return this.#exclusive(() => this.#batches.run(time, work, watermark, batchId));
  }

  /** Runs `step` (a batch, a checkpoint) once no revocation runs, and marks it in flight. */
  async #exclusive<T>(step: () => Promise<T>): Promise<T> {
    while (this.#revoking) await this.#revoking;
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#inFlight = promise;
    try {
      return await step();
    } finally {
      this.#inFlight = undefined;
      resolve();
    }
  }

  /**
   * The group takes this instance's partitions back (a rebalance): the batch in flight finishes,
   * then what is owned is checkpointed and committed, so the next owners restore it rather than
   * the last interval's checkpoint. No batch starts until the source has rejoined.
   */
  #revoke(): Promise<void> {
    const revocation = (async () => {
      await this.#inFlight;
      await this.#commits.handOver();
    })();
    const settled = revocation.then(
      () => {},
      () => {},
    );
    this.#revoking = settled;
    void settled.finally(() => {
      if (this.#revoking === settled) this.#revoking = undefined;
    });
    return revocation;
  }
}
