// backpressure/: Spark-style rate control — PID rate estimate, per-batch record budgets; main thread.

export { type BatchBudget, shareBudget, UNLIMITED } from './budget.ts';
export {
  type BatchObservation,
  type PidGains,
  PidRateEstimator,
  SPARK_PID_GAINS,
} from './pid-rate-estimator.ts';
export { RateController, type RateControllerOptions } from './rate-controller.ts';
