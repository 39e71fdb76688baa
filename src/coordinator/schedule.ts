/** When batches run: micro-batch times on the interval, each batch's backpressure budget, and an idle continuous run's wait for data. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { BatchBudget, LatencyTuner, RateController } from '../backpressure/index.ts';
import type { Commits } from './commits.ts';
import type { Trigger } from './engine-types.ts';
import type { BatchSource, PartitionWork } from './source.ts';

export type ScheduleOptions = {
  readonly trigger: Trigger;
  readonly intervalMs: number;
  readonly rates: RateController | undefined;
  /** SLUICE_TARGET_LATENCY_MS: moves the interval (micro-batch) and caps each batch's records. */
  readonly tuner: LatencyTuner | undefined;
  readonly source: Pick<BatchSource, 'waitForData'>;
  readonly commits: Pick<Commits, 'dueIn'>;
  /** The job's results move with time alone (windows; keyed state: timeouts, updateStateByKey). */
  readonly ticks: boolean;
  readonly now: () => number;
};

export class Schedule {
  readonly #options: ScheduleOptions;
  /** The last micro-batch time handed out. */
  #lastTime: number | undefined;
  /** When the last batch was cut: what a batch of the other triggers stands for, for the budget. */
  #lastCut: number | undefined;
  /** When the last batch ran (continuous: an idle run ticks an interval after it). */
  #lastBatchAt: number | undefined;
  #wake: (() => void) | undefined;

  constructor(options: ScheduleOptions) {
    this.#options = options;
  }

  /** A batch ran at `time` (or the run started then). */
  ran(time: number): void {
    this.#lastBatchAt = time;
  }

  /** Ends a wait for the next batch time or for data: the run is stopping. */
  wake(): void {
    this.#wake?.();
  }

  /** The batch interval now: the configured one, or the latency tuner's. */
  get intervalMs(): number {
    return this.#options.tuner?.intervalMs ?? this.#options.intervalMs;
  }

  /** Micro-batches start on multiples of the interval, like Spark's batch times; the others now. */
  async nextBatchTime(): Promise<number> {
    const { trigger, now: clock } = this.#options;
    const intervalMs = this.intervalMs;
    const now = clock();
    if (trigger !== 'micro-batch') return now;
    let time = (Math.floor(now / intervalMs) + 1) * intervalMs;
    // A timer that fires a little early leaves the clock just before the last batch's time, which
    // would come round again: each batch time is later than the one before.
    if (this.#lastTime !== undefined && time <= this.#lastTime) time = this.#lastTime + intervalMs;
    this.#lastTime = time;
    await this.#abortable((signal) => sleep(time - now, undefined, { signal }).catch(() => {}));
    return time;
  }

  /**
   * The next batch's budget: a micro-batch stands for its interval; a batch of the other triggers
   * for the time since the one before, so that the rate cap holds there too.
   */
  budget(): BatchBudget | undefined {
    const { rates, trigger, tuner } = this.#options;
    if (!rates?.limited && !tuner) return undefined;
    const now = this.#options.now();
    const span =
      trigger === 'micro-batch' || this.#lastCut === undefined ? this.intervalMs : now - this.#lastCut;
    this.#lastCut = now;
    const budget = rates?.limited ? rates.budget(Math.max(1, span)) : undefined;
    if (!tuner) return budget;
    // The tuner's cap on the whole batch, under the backpressure rate's share when there is one.
    const total = Math.min(budget?.total ?? Number.POSITIVE_INFINITY, tuner.maxRecords);
    return { total, perPartition: budget?.perPartition };
  }

  /**
   * Continuous: a cut without records runs no batch, except a tick once per interval for a job
   * whose results move with time alone. A range that holds no records but passes offsets (a
   * transaction's marker, records deleted by retention) runs: its position has moved, and its
   * commit and the batch log must follow.
   */
  idle(work: readonly PartitionWork[]): boolean {
    if (this.#options.trigger !== 'continuous') return false;
    if (work.some((item) => item.records > 0 || item.range.untilOffset > item.range.fromOffset)) return false;
    return this.#tickIn() > 0;
  }

  /**
   * An idle continuous run waits for records (or its next tick, or a commit due), so it spends no
   * CPU and kafkajs's fetches and heartbeats get the event loop.
   */
  async waitForData(): Promise<void> {
    const { source, commits } = this.#options;
    const commitIn = commits.dueIn();
    const waitMs = Math.max(1, Math.min(this.intervalMs, this.#tickIn(), commitIn));
    await this.#abortable((signal) => source.waitForData(waitMs, signal));
  }

  /** Milliseconds until an idle continuous run's next tick; infinite for a job without ticks. */
  #tickIn(): number {
    if (!this.#options.ticks) return Number.POSITIVE_INFINITY;
    return (this.#lastBatchAt ?? Number.NEGATIVE_INFINITY) + this.intervalMs - this.#options.now();
  }

  async #abortable(wait: (signal: AbortSignal) => Promise<void>): Promise<void> {
    const controller = new AbortController();
    this.#wake = () => controller.abort();
    try {
      await wait(controller.signal);
    } finally {
      this.#wake = undefined;
    }
  }
}
