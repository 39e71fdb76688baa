// The admin endpoints by path: /livez, /readyz, /metrics, /api/batches, /api/status, /api/latency and the dashboard's.

import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { BatchHistory } from './batch-history.ts';
import { dashboardRoutes } from './dashboard.ts';
import { dashboardApiRoutes } from './dashboard-api.ts';
import { json } from './json-response.ts';
import type { ScrapeSources, SluiceMetrics } from './metrics.ts';
import type { ReadinessState } from './readiness.ts';
import type { RunView } from './run-view.ts';
import { statusOf } from './status.ts';
import type { Route } from './types.ts';

export type RouteSources = {
  readonly readiness: ReadinessState;
  readonly metrics: SluiceMetrics;
  readonly history: BatchHistory;
  readonly sources: () => ScrapeSources;
  readonly view: RunView;
};

/**
 * The admin endpoints by path. `/livez` answers whenever the event loop gets to it (a blocked loop
 * times the probe out); it never asks Kafka, so a broker outage does not restart the process.
 */
export function adminRoutes({
  readiness,
  metrics,
  history,
  sources,
  view,
}: RouteSources): ReadonlyMap<string, Route> {
  const loop = monitorEventLoopDelay({ resolution: 20 });
  loop.enable();
  return new Map<string, Route>([
    [
      '/livez',
      () => {
        const delayMs = Math.round(loop.max / 1e6);
        loop.reset();
        return json(200, { status: 'live', eventLoopDelayMaxMs: delayMs });
      },
    ],
    [
      '/readyz',
      () => {
        const state = readiness.get();
        return json(state.status === 'ready' ? 200 : 503, state);
      },
    ],
    ['/metrics', async () => ({ status: 200, contentType: metrics.contentType, body: await metrics.text() })],
    ['/api/batches', () => json(200, { batches: history.list() })],
    ['/api/status', async () => json(200, await statusOf(readiness, sources(), view, history))],
    [
      '/api/latency',
      () => {
        const histogram = metrics.endToEnd;
        // The sparse buckets let a reader subtract an earlier answer (sluice bench measures a window).
        return json(200, { ...histogram.summary(), sparse: histogram.toSparse() });
      },
    ],
    ...dashboardApiRoutes(view, history),
    ...dashboardRoutes(),
  ]);
}
