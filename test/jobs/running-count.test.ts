import { describe, expect, it } from 'vitest';
import { BUILT_IN_JOBS } from '../../src/jobs/index.ts';
import runningCount from '../../src/jobs/running-count.ts';
import { TestDriver } from '../../src/testing/index.ts';

describe('the running-count job', () => {
  it('counts each key since the start, every key each batch, and across a restart from a checkpoint', async () => {
    const driver = new TestDriver(runningCount, { decodePolicy: 'skip', partitions: [0, 1] });
    const first = await driver.runBatch([
      { partition: 0, bytes: '{"url":"/a"}' },
      { partition: 1, bytes: '{"url":"/a"}' },
      { partition: 0, bytes: '{"url":"/b"}' },
      // A record without the field, and one whose field names what every object inherits.
      { partition: 1, bytes: '{"path":"/c"}' },
      { partition: 1, bytes: '{"__proto__":"/p"}' },
    ]);
    expect(first.failures.map((failure) => failure.error)).toEqual([
      'field url is missing',
      'field url is missing',
    ]);
    const sorted = (rows: readonly unknown[] | undefined) =>
      [...(rows ?? [])].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    expect(sorted(first.outputs[0]?.values)).toEqual([
      { key: '/a', value: 2, time: 1000 },
      { key: '/b', value: 1, time: 1000 },
    ]);
    driver.restart();
    const second = await driver.runBatch([
      { partition: 1, bytes: '{"url":"/a"}' },
      { partition: 0, bytes: '{"url":7}' },
    ]);
    expect(sorted(second.outputs[0]?.values)).toEqual([
      { key: '/a', value: 3, time: 2000 },
      { key: '/b', value: 1, time: 2000 },
      { key: 7, value: 1, time: 2000 },
    ]);
  });

  it('is a built-in job: SLUICE_JOB=running-count', () => {
    expect(BUILT_IN_JOBS['running-count']).toMatch(/src\/jobs\/running-count\.ts$/);
  });
});
