import { expect, it } from 'vitest';
import job from '../../examples/click-errors.ts';
import { TestDriver } from '../../src/testing/index.ts';

// The example in docs/sinks.md, kept true: what it writes, to Kafka and to files.
const click = (user: string, status: number, latencyMs: number) => ({
  ts: 0,
  user,
  url: `/${user}`,
  status,
  bytes: 10,
  latencyMs,
});

it.each([
  ['toKafka', { CLICKS_ERRORS_TOPIC: 'click-errors' }, 'kafka'],
  ['saveAsTextFiles', { CLICKS_ERRORS_DIR: '/tmp/unused' }, 'saveAsTextFiles'],
])('keeps the failed and slow requests, reshaped (%s)', async (_, env, sink) => {
  const driver = new TestDriver(job, { env });
  const batch = await driver.runBatch([
    { partition: 0, timestamp: 5, value: click('a', 200, 20) },
    { partition: 0, timestamp: 6, value: click('b', 500, 20) },
    { partition: 1, timestamp: 7, value: click('c', 200, 101) },
    { partition: 1, timestamp: 8, value: click('d', 404, 300) },
  ]);
  expect(batch.outputs.map((output) => output.sink.type)).toEqual([sink]);
  expect(batch.outputs[0]?.encoded?.count).toBe(3);
  expect(batch.outputs[0]?.values).toEqual([
    { user: 'b', url: '/b', status: 500, latencyMs: 20, at: 6 },
    { user: 'c', url: '/c', status: 200, latencyMs: 101, at: 7 },
    { user: 'd', url: '/d', status: 404, latencyMs: 300, at: 8 },
  ]);
});
