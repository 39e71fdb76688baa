// The scenarios `sluice produce --scenario` writes, by name.

import { logsScenario } from './scenario-logs.ts';
import { metricsScenario } from './scenario-metrics.ts';
import { shopScenario } from './scenario-shop.ts';
import type { Scenario } from './types.ts';

export const SCENARIOS = {
  logs: logsScenario,
  metrics: metricsScenario,
  shop: shopScenario,
} as const satisfies Record<string, Scenario>;

export type ScenarioName = keyof typeof SCENARIOS;
export const SCENARIO_NAMES = Object.keys(SCENARIOS) as ScenarioName[];

/** Most patterns one run may inject: each costs a scan per record in the generators. */
export const MAX_INJECT = 1000;
