import { expect, it } from 'vitest';
import job from '../../examples/slow-pages.ts';
import { TestDriver } from '../../src/testing/index.ts';

const click = (ts: number, url: string, latencyMs: number) => ({
  ts,
  user: 'u1',
  url,
  status: 200,
  bytes: 100,
  latencyMs,
});

// The example in docs/windows.md, kept true.
it('emits each closed window once and routes late records', async () => {
  const driver = new TestDriver(job, { partitions: [0] });
  const first = await driver.runBatch([
    { partition: 0, value: click(1_000, '/a', 495) },
    { partition: 0, value: click(3_500, '/a', 100) },
    { partition: 0, value: click(12_500, '/b', 499) },
  ]);
  // Nothing has closed yet; the watermark is now 12,500 − 2,000.
  expect(first.outputs).toHaveLength(1);
  expect(first.watermark).toBe(10_500);

  const second = await driver.runBatch([{ partition: 0, value: click(500, '/a', 499) }]);
  // Windows ending at 2,000 … 10,000 closed at 10,500; only those with a slow page pass the filter.
  expect(second.outputs[0]?.values).toEqual([
    { key: '/a', windowStart: -8_000, windowEnd: 2_000, value: 495 },
    { key: '/a', windowStart: -6_000, windowEnd: 4_000, value: 495 },
    { key: '/a', windowStart: -4_000, windowEnd: 6_000, value: 495 },
    { key: '/a', windowStart: -2_000, windowEnd: 8_000, value: 495 },
    { key: '/a', windowStart: 0, windowEnd: 10_000, value: 495 },
  ]);
  expect(second.late).toBe(1);
  expect(second.outputs[1]?.values).toEqual([
    { topic: 'input', partition: 0, offset: '3', eventTime: 500, watermark: 10_500, value: ['/a', 499] },
  ]);

  const end = await driver.endOfInput();
  expect(end.outputs[0]?.values).toEqual([
    { key: '/b', windowStart: 4_000, windowEnd: 14_000, value: 499 },
    { key: '/b', windowStart: 6_000, windowEnd: 16_000, value: 499 },
    { key: '/b', windowStart: 8_000, windowEnd: 18_000, value: 499 },
    { key: '/b', windowStart: 10_000, windowEnd: 20_000, value: 499 },
    { key: '/b', windowStart: 12_000, windowEnd: 22_000, value: 499 },
  ]);
});
