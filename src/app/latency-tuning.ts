// SLUICE_TARGET_LATENCY_MS: the latency tuner of a run, within the bounds its trigger and job allow.

import { LatencyTuner } from '../backpressure/index.ts';
import type { SluiceConfig } from '../config/index.ts';
import type { Plan } from '../dsl/index.ts';

/** The smallest interval the tuner goes to: shorter batches cost more than they save. */
const MIN_INTERVAL_MS = 10;
/** The smallest records-per-batch cap it goes to. */
const MIN_RECORDS = 100;

/**
 * The tuner of SLUICE_TARGET_LATENCY_MS, or undefined when it is unset. The interval moves only
 * under the micro-batch trigger and without processing-time windows (their panes follow a fixed
 * interval): between 10 ms and the target, from SLUICE_BATCH_INTERVAL_MS or the target, whichever
 * is smaller. The records cap moves between 100 and SLUICE_MAX_RECORDS_PER_BATCH.
 */
export function latencyTuner(
  config: Pick<SluiceConfig, 'targetLatencyMs' | 'trigger' | 'batchIntervalMs' | 'maxRecordsPerBatch'>,
  plan: Pick<Plan, 'windows' | 'eventTime'>,
): LatencyTuner | undefined {
  const target = config.targetLatencyMs;
  if (target === undefined) return undefined;
  const processingTimeWindows = plan.windows.some((node) => plan.eventTime[node.id] !== true);
  const interval =
    config.trigger === 'micro-batch' && !processingTimeWindows
      ? {
          startMs: Math.min(config.batchIntervalMs, target),
          minMs: Math.min(MIN_INTERVAL_MS, target),
          maxMs: target,
        }
      : undefined;
  return new LatencyTuner({
    targetMs: target,
    ...(interval ? { interval } : {}),
    records: { min: Math.min(MIN_RECORDS, config.maxRecordsPerBatch), max: config.maxRecordsPerBatch },
  });
}
