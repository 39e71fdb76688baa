import { expect, it } from 'vitest';
import job, { SESSION_GAP_MS, visits } from '../../examples/user-session-windows.ts';
import { TestDriver } from '../../src/testing/index.ts';
import { paneOps } from '../../src/window/index.ts';

const click = (ts: number, user: string, url: string) => ({
  ts,
  user,
  url,
  status: 200,
  bytes: 100,
  latencyMs: 10,
});

// The example in docs/windows.md, kept true.
it('emits each user session of 5 clicks or more once it closes, bridged and merged across partitions', async () => {
  const driver = new TestDriver(job, { partitions: [0, 1] });
  const outputs = async (records: { partition: number; value: ReturnType<typeof click> }[]) => {
    const batch = await driver.runBatch(records);
    return { batch, values: batch.outputs.map((output) => output.values) };
  };
  // u1: [0, 40 000) and [55 000, 85 000), 45 s apart.
  const first = await outputs([
    { partition: 0, value: click(0, 'u1', '/a') },
    { partition: 1, value: click(10_000, 'u1', '/b') },
    { partition: 0, value: click(55_000, 'u1', '/a') },
    { partition: 1, value: click(15_000, 'u2', '/a') },
  ]);
  expect(first.values).toEqual([[]]);
  // Within the lateness (the watermark is 15 000 − 5 000): 32 000 bridges them; three more extend.
  await outputs([
    { partition: 1, value: click(32_000, 'u1', '/c') },
    { partition: 0, value: click(70_000, 'u1', '/c') },
    { partition: 1, value: click(80_000, 'u1', '/d') },
    { partition: 0, value: click(95_000, 'u1', '/d') },
  ]);
  // The watermark is now 75 000: u2's one-click session closes and is filtered out.
  const third = await outputs([
    { partition: 0, value: click(200_000, 'u3', '/z') },
    { partition: 1, value: click(200_000, 'u3', '/z') },
  ]);
  expect(third.values).toEqual([[], []]);
  // At 195 000, u1's session [0, 95 000 + 30 000) closes, whole.
  const closed = await outputs([{ partition: 0, value: click(1_000, 'u2', '/late') }]);
  expect(closed.values).toEqual([
    [{ key: 'u1', windowStart: 0, windowEnd: 95_000 + SESSION_GAP_MS, value: { clicks: 7, pages: 4 } }],
    [
      {
        topic: 'input',
        partition: 0,
        offset: '5',
        eventTime: 1_000,
        watermark: 195_000,
        value: ['u2', '/late'],
      },
    ],
  ]);
  // u3 has two clicks: the filter keeps none.
  const end = await driver.endOfInput();
  expect(end.outputs.map((output) => output.values)).toEqual([[], []]);
});

it("the aggregation's merge counts a page seen in both sessions once", () => {
  const ops = paneOps(visits);
  const merged = ops.mergePartials({ clicks: 2, pages: ['/a', '/b'] }, { clicks: 3, pages: ['/b', '/c'] });
  expect(ops.result(merged)).toEqual({ clicks: 5, pages: 3 });
});
