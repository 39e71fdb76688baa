// /api/status: readiness, lag per owned partition and slot utilisation, as the dashboard polls them.

import type { ScrapeSources } from './metrics.ts';
import type { ReadinessState } from './readiness.ts';
import type { StatusJson } from './types.ts';

/**
 * What the dashboard polls besides the batches: readiness, lag per owned partition and slot
 * utilisation, read the way `/metrics` reads them (lag at most once a second from Kafka).
 */
export async function statusOf(readiness: ReadinessState, sources: ScrapeSources): Promise<StatusJson> {
  const lags = (await sources.lag?.()) ?? [];
  return {
    ...readiness.get(),
    lag: lags.map(({ topic, partition, lag }) => ({ topic, partition, lag: Number(lag) })),
    slots: (sources.utilization?.() ?? []).map((utilization, slot) => ({ slot, utilization })),
  };
}
