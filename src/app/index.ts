// app/: the one composition root — config and a job in, a running, wired engine out; main thread.

export { type App, startApp } from './app.ts';
export { resolveJobPath } from './job.ts';
export { StartStopped } from './kafka-clients.ts';
export { type JobRun, type RunSummary, type StartJobOptions, startJob } from './start-job.ts';
