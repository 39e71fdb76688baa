// What the run feeds the admin endpoints: readiness, Prometheus metrics and recent batches.

import type { BatchFailure, BatchStats } from '../coordinator/index.ts';
import { BatchHistory } from './batch-history.ts';
import { type MetricsOptions, type ScrapeSources, SluiceMetrics } from './metrics.ts';
import { ReadinessState } from './readiness.ts';
import { adminRoutes } from './routes.ts';
import type { RunInfo } from './run-header.ts';
import { type RunSources, RunView } from './run-view.ts';
import type { Route } from './types.ts';

/** What the admin endpoints show, fed by the run: readiness, metrics and recent batches. */
export class AdminState {
  readonly readiness = new ReadinessState();
  readonly metrics: SluiceMetrics;
  readonly history: BatchHistory;
  readonly routes: ReadonlyMap<string, Route>;
  /** The dashboard's view of the run: header, busy share, operator totals, failure. */
  readonly view = new RunView();
  #sources: ScrapeSources = {};

  constructor(options: MetricsOptions & { readonly historySize?: number } = {}) {
    this.metrics = new SluiceMetrics(options);
    this.history = new BatchHistory(options.historySize);
    this.routes = adminRoutes({
      readiness: this.readiness,
      metrics: this.metrics,
      history: this.history,
      sources: () => this.#sources,
      view: this.view,
    });
  }

  /** The engine's `onBatch`. */
  observeBatch(stats: BatchStats): void {
    this.metrics.observeBatch(stats);
    this.history.add(stats);
    // Read at the batch's end on the engine's clock: the interval is the batch's, whoever polls.
    const end = stats.info.time + stats.schedulingDelayMs + stats.processingMs;
    this.view.observeBatch(stats, this.#sources.busySeconds?.(), end);
  }

  /** The engine's `onBatchFailed`: the page shows the batch and the reason. */
  observeFailure(failure: BatchFailure): void {
    this.view.observeFailure(failure);
  }

  /** The started run: its job, configuration and what the state views read. */
  describeRun(run: RunInfo, sources: RunSources = {}): void {
    this.view.describe(run, sources);
  }

  attach(sources: ScrapeSources): void {
    this.#sources = { ...this.#sources, ...sources };
    this.metrics.attach(sources);
  }
}
