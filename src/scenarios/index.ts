// scenarios/: the data of the example applications (`sluice produce --scenario`): deterministic
// records from a seed, with known patterns injected; pure functions, any thread.

export {
  formatLogLine,
  LOG_BURST_MS,
  LOG_LINES_PER_SECOND,
  type LogBurst,
  type LogEntry,
  type LogLine,
  logBursts,
  logLines,
  logTime,
} from './scenario-logs.ts';
export {
  METRIC_HOSTS,
  METRIC_INTERVAL_MS,
  METRIC_NAME,
  type MetricAnomaly,
  type MetricPoint,
  metricAnomalies,
  metricPoints,
} from './scenario-metrics.ts';
export { SCENARIO_EPOCH } from './scenario-random.ts';
export {
  SHOP_EVENTS_PER_SECOND,
  SHOP_ITEMS,
  SHOP_USERS,
  type ShopBundle,
  type ShopEvent,
  shopBundles,
  shopEvents,
} from './scenario-shop.ts';
export { MAX_INJECT, SCENARIO_NAMES, SCENARIOS, type ScenarioName } from './scenarios.ts';
export type { Scenario, ScenarioOptions, ScenarioRecord } from './types.ts';
