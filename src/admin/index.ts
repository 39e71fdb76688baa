// The admin HTTP server: liveness, readiness, Prometheus metrics and recent batches, read-only.

export type { LatencySummary } from '../core/index.ts';
export { AdminState } from './admin.ts';
export { BatchHistory, batchRecord } from './batch-history.ts';
export type { StateJson } from './dashboard-api.ts';
export type { EnvironmentRow } from './environment.ts';
export { kafkaLag } from './lag.ts';
export { SluiceMetrics } from './metrics.ts';
export { progressProblem, ReadinessState } from './readiness.ts';
export type { KafkaCluster, RunHeader, RunInfo } from './run-header.ts';
export type { RunSources } from './run-view.ts';
export { type AdminServer, startAdminServer } from './server.ts';
export type { BatchDetail, BatchRecord, FailureJson, StatusJson } from './types.ts';
