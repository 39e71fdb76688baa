// backpressure/: Spark-style rate control — PID rate estimate, per-batch record budgets, the latency target's tuner; main thread.

export { type BatchBudget, shareBudget, UNLIMITED } from './budget.ts';
export {
  LatencyTuner,
  type LatencyTunerOptions,
  type TunerObservation,
  type TuningDecision,
} from './latency-tuner.ts';
export { PidRateEstimator } from './pid-rate-estimator.ts';
export { RateController } from './rate-controller.ts';
