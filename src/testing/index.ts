export { type DriverBatch, type DriverOptions, TestDriver, type TestRecord } from './test-driver.ts';
