export { type App, startApp } from './app.ts';
export { resolveJobPath } from './job.ts';
export { StartStopped } from './kafka-clients.ts';
