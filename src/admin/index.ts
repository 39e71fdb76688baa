// The admin HTTP server: liveness, readiness, Prometheus metrics and recent batches, read-only.

export { AdminState } from './admin.ts';
export { BatchHistory, batchRecord } from './batch-history.ts';
export { type KafkaLagOptions, kafkaLag } from './lag.ts';
export { type MetricsOptions, type ScrapeSources, SluiceMetrics } from './metrics.ts';
export { BATCH_HISTORY_SIZE } from './options.ts';
export { type ProgressProbe, progressProblem, ReadinessState } from './readiness.ts';
export { type AdminServer, type AdminServerOptions, startAdminServer } from './server.ts';
export type {
  BatchRecord,
  LagSource,
  OffsetRangeJson,
  PartitionLag,
  ProgressProblem,
  Readiness,
  Route,
  StatusJson,
} from './types.ts';
