// /api/status: readiness, lag per owned partition, slot busy share, watermarks and a failure, as the dashboard polls them.

import type { BatchHistory } from './batch-history.ts';
import { consumptionRates, lagMs } from './lag-time.ts';
import type { ScrapeSources } from './metrics.ts';
import type { ReadinessState } from './readiness.ts';
import type { RunView } from './run-view.ts';
import type { StatusJson } from './types.ts';

/**
 * What the dashboard polls besides the batches: readiness, lag per owned partition in records
 * (read the way `/metrics` reads it, at most once a second from Kafka) and in time (over the
 * partition's recent rate), slot utilisation since start and over the last batch interval, the
 * event-time watermark per partition, and the failed batch once there is one.
 */
export async function statusOf(
  readiness: ReadinessState,
  sources: ScrapeSources,
  view?: RunView,
  history?: BatchHistory,
): Promise<StatusJson> {
  const lags = (await sources.lag?.()) ?? [];
  const rates = history ? consumptionRates(history.list()) : new Map<string, number>();
  const shares = view?.busyShares() ?? [];
  const watermarks = view?.watermarks() ?? [];
  const failure = view?.failure;
  return {
    ...readiness.get(),
    lag: lags.map(({ topic, partition, lag }) => ({
      topic,
      partition,
      lag: Number(lag),
      lagMs: lagMs(Number(lag), rates.get(`${topic}-${partition}`)),
    })),
    slots: (sources.utilization?.() ?? []).map((utilization, slot) => {
      const busyShare = shares[slot];
      return busyShare === undefined ? { slot, utilization } : { slot, utilization, busyShare };
    }),
    ...(watermarks.length > 0
      ? {
          watermarks: watermarks.map(({ topic, partition, watermark, idle }) => ({
            topic,
            partition,
            watermark: Number.isFinite(watermark) ? watermark : null,
            idle,
          })),
        }
      : {}),
    ...(failure ? { failure } : {}),
  };
}
