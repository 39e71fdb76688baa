/** The gains of Spark's PID rate estimator, with its defaults. */
export type PidGains = {
  readonly proportional: number;
  readonly integral: number;
  readonly derivative: number;
};

export const SPARK_PID_GAINS: PidGains = { proportional: 1, integral: 0.2, derivative: 0 };

export type PidRateEstimatorOptions = {
  readonly batchIntervalMs: number;
  /** The estimate never falls below this, in records per second, so a slow spell can be left. */
  readonly minRate: number;
  readonly gains?: PidGains;
};

/** One completed batch, as the estimator sees it. */
export type BatchObservation = {
  /** Batch time, epoch ms. */
  readonly time: number;
  /** Records the batch took from the source. */
  readonly records: number;
  readonly processingMs: number;
  readonly schedulingDelayMs: number;
};

/**
 * Spark Streaming's PID rate estimator: the error is how far the rate the last batch was given
 * lies above the rate it was processed at; the integral term is the backlog the scheduling delay
 * stands for, as a rate. The first usable batch only sets the rate to what it measured.
 */
export class PidRateEstimator {
  readonly #options: PidRateEstimatorOptions;
  readonly #gains: PidGains;
  #latestTime = Number.NEGATIVE_INFINITY;
  #latestRate: number | undefined;
  #latestError = 0;

  constructor(options: PidRateEstimatorOptions) {
    this.#options = options;
    this.#gains = options.gains ?? SPARK_PID_GAINS;
  }

  /** The rate, in records per second, after `batch`; undefined when it said nothing new. */
  compute(batch: BatchObservation): number | undefined {
    const { time, records, processingMs, schedulingDelayMs } = batch;
    // A batch without records or without measurable time says nothing about the processing rate.
    if (time <= this.#latestTime || records <= 0 || processingMs <= 0) return undefined;
    const sinceUpdate = Number.isFinite(this.#latestTime) ? (time - this.#latestTime) / 1000 : 0;
    this.#latestTime = time;
    const processingRate = (records / processingMs) * 1000;
    if (this.#latestRate === undefined) {
      this.#latestRate = processingRate;
      this.#latestError = 0;
      return undefined;
    }
    const error = this.#latestRate - processingRate;
    const historicalError = (schedulingDelayMs * processingRate) / this.#options.batchIntervalMs;
    const dError = sinceUpdate > 0 ? (error - this.#latestError) / sinceUpdate : 0;
    const { proportional, integral, derivative } = this.#gains;
    const rate = Math.max(
      this.#options.minRate,
      this.#latestRate - proportional * error - integral * historicalError - derivative * dError,
    );
    this.#latestRate = rate;
    this.#latestError = error;
    return rate;
  }
}
