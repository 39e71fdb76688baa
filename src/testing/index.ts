// testing/: TestDriver — the real engine, an in-process task runner and a memory source.

export { type DriverBatch, type DriverOptions, TestDriver, type TestRecord } from './test-driver.ts';
