// bench/: `sluice bench` — the sweep, the runs, and what they leave behind (results.json, report.md,
// charts, a recommendation); main thread.

export { CHART_FILES, cdfChart, frontierChart, slotsChart, throughputChart } from './charts.ts';
export { cpuModel } from './machine.ts';
export { type Recommendation, recommend } from './recommend.ts';
export { markdownReport, type ReportOptions, writeReport } from './report.ts';
export type {
  BenchConfig,
  BenchResults,
  CatchUpResult,
  ConfigResult,
  LatencyFigures,
  RatePoint,
  Spread,
  Workload,
} from './results.ts';
export { type BenchPlan, checkEstimate, runBench } from './run-bench.ts';
export { spreadOf } from './spread.ts';
export { expandSweep, type SweepAxes, type TriggerChoice } from './sweep.ts';
export { createTopic, recordsIn } from './topics.ts';
