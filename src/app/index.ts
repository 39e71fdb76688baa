export { type App, type AppOptions, resolveJobPath, startApp } from './app.ts';
