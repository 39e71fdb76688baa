// SLUICE_TARGET_LATENCY_MS: after each batch, the batch interval and the records-per-batch cap move so that p99 latency stays under the target.

/** The bounds the tuner moves within. */
export type LatencyTunerOptions = {
  readonly targetMs: number;
  /**
   * Micro-batch: the interval's start and bounds. Undefined: the interval is not tuned (the
   * continuous trigger; processing-time windows, whose panes follow a fixed interval).
   */
  readonly interval?: { readonly startMs: number; readonly minMs: number; readonly maxMs: number };
  /** The records-per-batch cap's bounds; it starts at the most (SLUICE_MAX_RECORDS_PER_BATCH). */
  readonly records: { readonly min: number; readonly max: number };
};

/** What the tuner saw of a batch. */
export type TunerObservation = {
  /** p99 of the batch's records' end-to-end latency, ms; undefined for a batch without records. */
  readonly p99Ms: number | undefined;
  /** From the start of the batch to its outputs written and offsets committed. */
  readonly processingMs: number;
  /** Records the batch took: at the cap, the cap held it back. */
  readonly records: number;
};

/** The tuner's settings after a batch, and why. */
export type TuningDecision = {
  /** The interval now (undefined: not tuned). */
  readonly intervalMs: number | undefined;
  readonly maxRecords: number;
  readonly action: 'shorten' | 'lengthen' | 'hold';
  readonly reason: string;
};

/** Above the target: cut by this factor (multiplicative decrease, as TCP does). */
const DECREASE = 0.75;
/** Below HEADROOM × target: grow by a small step (additive increase), the interval by STEP × target. */
const HEADROOM = 0.7;
const STEP = 0.05;
const RECORDS_GROWTH = 1.25;
/** Processing longer than this share of the target: smaller batches, not only shorter waits. */
const PROCESSING_SHARE = 0.5;

/**
 * Keeps the p99 end-to-end latency under a target while batches stay as large as that allows:
 * larger batches cost less per record (fewer batches, fewer requests, fewer commits), so the
 * tuner grows them while there is headroom and cuts them when the target is missed. A record
 * waits for its batch's turn (up to an interval) and then for the batch's processing, so the
 * interval is cut first; the records-per-batch cap too when processing alone takes half the
 * target. But a batch that took its whole interval means records queue behind batches: then a
 * shorter interval would only add per-batch costs, and the interval grows instead. It works next
 * to backpressure, which holds the input rate to what the job keeps up with.
 *
 * @example
 * const tuner = new LatencyTuner({ targetMs: 200, interval: { startMs: 1000, minMs: 10, maxMs: 200 }, records: { min: 100, max: 100_000 } });
 * tuner.observe({ p99Ms: 1040, processingMs: 40, records: 5000 }); // shorten: interval 150 ms
 */
export class LatencyTuner {
  readonly #options: LatencyTunerOptions;
  #intervalMs: number | undefined;
  #maxRecords: number;

  constructor(options: LatencyTunerOptions) {
    this.#options = options;
    const { interval } = options;
    this.#intervalMs = interval && clamp(interval.startMs, interval.minMs, interval.maxMs);
    this.#maxRecords = options.records.max;
  }

  get targetMs(): number {
    return this.#options.targetMs;
  }

  /** The batch interval now; undefined when it is not tuned. */
  get intervalMs(): number | undefined {
    return this.#intervalMs;
  }

  /** The most records the next batch may take. */
  get maxRecords(): number {
    return this.#maxRecords;
  }

  observe(batch: TunerObservation): TuningDecision {
    const { targetMs, interval, records } = this.#options;
    const { p99Ms } = batch;
    if (p99Ms === undefined) return this.#decision('hold', 'a batch without records says nothing of latency');
    const p99 = `p99 ${round(p99Ms)} ms`;
    if (p99Ms > targetMs) {
      const intervalMs = this.#intervalMs;
      if (
        interval &&
        intervalMs !== undefined &&
        batch.processingMs >= intervalMs &&
        intervalMs < interval.maxMs
      ) {
        // Batches take their whole interval: records queue behind them, and a shorter interval
        // would add per-batch costs to that queue. A longer one takes the queue in fewer batches.
        this.#intervalMs = Math.min(
          interval.maxMs,
          Math.max(Math.ceil(intervalMs / DECREASE), Math.ceil(batch.processingMs / DECREASE)),
        );
        return this.#decision(
          'lengthen',
          `${p99} above the target ${targetMs} ms, but the batch took ${round(batch.processingMs)} ms of its ${intervalMs} ms interval: records queue behind batches, which a longer interval takes in fewer`,
        );
      }
      const before = [this.#intervalMs, this.#maxRecords];
      if (interval && this.#intervalMs !== undefined) {
        this.#intervalMs = Math.max(interval.minMs, Math.floor(this.#intervalMs * DECREASE));
      }
      if (!interval || batch.processingMs > targetMs * PROCESSING_SHARE) {
        this.#maxRecords = Math.max(
          records.min,
          Math.floor(Math.min(this.#maxRecords, batch.records) * DECREASE),
        );
      }
      const moved = before[0] !== this.#intervalMs || before[1] !== this.#maxRecords;
      return this.#decision(
        moved ? 'shorten' : 'hold',
        moved
          ? `${p99} above the target ${targetMs} ms`
          : `${p99} above the target ${targetMs} ms, at the smallest interval and batch it may use: the job cannot keep up with its input (see backpressure)`,
      );
    }
    if (p99Ms < targetMs * HEADROOM) {
      const before = [this.#intervalMs, this.#maxRecords];
      if (interval && this.#intervalMs !== undefined) {
        this.#intervalMs = Math.min(
          interval.maxMs,
          this.#intervalMs + Math.max(1, Math.round(targetMs * STEP)),
        );
      }
      // Only a batch the cap held back would have been larger.
      if (batch.records >= this.#maxRecords) {
        this.#maxRecords = Math.min(records.max, Math.ceil(this.#maxRecords * RECORDS_GROWTH));
      }
      const moved = before[0] !== this.#intervalMs || before[1] !== this.#maxRecords;
      return this.#decision(
        moved ? 'lengthen' : 'hold',
        `${p99} below ${Math.round(HEADROOM * 100)} % of the target ${targetMs} ms${moved ? '' : ', at the largest interval and batch it may use'}`,
      );
    }
    return this.#decision('hold', `${p99} within the target ${targetMs} ms`);
  }

  #decision(action: TuningDecision['action'], reason: string): TuningDecision {
    return { intervalMs: this.#intervalMs, maxRecords: this.#maxRecords, action, reason };
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

const round = (value: number): number => Math.round(value * 10) / 10;
