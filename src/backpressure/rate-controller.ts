// The engine's throttle: each batch's record budget, from the PID rate estimate and the per-partition cap.

import { type BatchBudget, UNLIMITED } from './budget.ts';
import { type BatchObservation, PidRateEstimator } from './pid-rate-estimator.ts';

export type RateControllerOptions = {
  /** SLUICE_BACKPRESSURE: estimate the rate the job keeps up with, and hold batches to it. */
  readonly backpressure: boolean;
  /** Records per second over all partitions before the first estimate; undefined: no limit. */
  readonly initialRate: number | undefined;
  readonly minRate: number;
  /** SLUICE_MAX_RATE_PER_PARTITION, records per second; with or without backpressure. */
  readonly maxRatePerPartition: number | undefined;
  readonly batchIntervalMs: number;
};

/**
 * The engine's throttle, as Spark's rate controller: after each batch the estimator updates the
 * rate from how long the batch took, and the next batch takes rate × interval records.
 */
export class RateController {
  readonly #options: RateControllerOptions;
  readonly #estimator: PidRateEstimator | undefined;
  #rate: number | undefined;

  constructor(options: RateControllerOptions) {
    this.#options = options;
    if (options.backpressure) {
      this.#estimator = new PidRateEstimator({
        batchIntervalMs: options.batchIntervalMs,
        minRate: options.minRate,
      });
      this.#rate = options.initialRate;
    }
  }

  /** Whether batches are limited at all. */
  get limited(): boolean {
    return this.#estimator !== undefined || this.#options.maxRatePerPartition !== undefined;
  }

  /** The backpressure rate now, records per second over all partitions (undefined: none yet). */
  get rate(): number | undefined {
    return this.#rate;
  }

  /** The next batch's budget, for a batch standing for `spanMs` of input (its interval). */
  budget(spanMs: number = this.#options.batchIntervalMs): BatchBudget {
    if (!this.limited) return UNLIMITED;
    const seconds = spanMs / 1000;
    const { maxRatePerPartition } = this.#options;
    return {
      total: this.#rate === undefined ? undefined : this.#rate * seconds,
      perPartition: maxRatePerPartition === undefined ? undefined : maxRatePerPartition * seconds,
    };
  }

  observe(batch: BatchObservation): void {
    const rate = this.#estimator?.compute(batch);
    if (rate !== undefined) this.#rate = rate;
  }
}
