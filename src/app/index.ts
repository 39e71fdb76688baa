// app/: the one composition root — config and a job in, a running, wired engine out; main thread.

export type {
  CheckpointActivityJson,
  CheckpointRestore,
  CheckpointSave,
  NodeShare,
} from '../checkpoint/index.ts';
export { type App, type PartitionWatermark, startApp } from './app.ts';
export { resolveJobPath } from './job.ts';
export type { JobOperator, JobSummary } from './job-summary.ts';
export { StartStopped } from './kafka-clients.ts';
export { type JobRun, type RunSummary, type StartJobOptions, startJob } from './start-job.ts';
