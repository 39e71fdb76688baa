export { type App, type AppOptions, startApp } from './app.ts';
export { resolveJobPath } from './job.ts';
export { StartStopped } from './kafka-clients.ts';
