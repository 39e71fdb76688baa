// backpressure/: Spark-style rate control — PID rate estimate, per-batch record budgets; main thread.

export { type BatchBudget, shareBudget, UNLIMITED } from './budget.ts';
export { PidRateEstimator } from './pid-rate-estimator.ts';
export { RateController } from './rate-controller.ts';
