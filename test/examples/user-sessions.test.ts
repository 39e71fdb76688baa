import { expect, it } from 'vitest';
import job, { SESSION_TIMEOUT_MS } from '../../examples/user-sessions.ts';
import { TestDriver } from '../../src/testing/index.ts';

// The mapWithState example in docs/state.md, kept true: batches every 10 s, sessions end
// after 30 s without a click, at the first batch more than 30 s after the last one.
it('tracks sessions per user and emits each one once when it times out', async () => {
  expect(SESSION_TIMEOUT_MS).toBe(30_000);
  const driver = new TestDriver(job, { partitionCount: 2, intervalMs: 10_000 });
  const outputs = async (records: Parameters<TestDriver['runBatch']>[0]) =>
    (await driver.runBatch(records)).outputs.map((output) => output.values);

  // t = 10 s
  expect(
    await outputs([
      { partition: 1, key: 'u1', value: { url: '/home' } },
      { partition: 1, key: 'u1', value: { url: '/cart' } },
      { partition: 0, key: 'u2', value: { url: '/home' } },
    ]),
  ).toEqual([
    [],
    [
      ['u2', { clicks: 1, pages: ['/home'] }],
      ['u1', { clicks: 2, pages: ['/home', '/cart'] }],
    ],
  ]);
  // t = 20 s … 40 s: u2 clicks again at 30 s.
  expect(await outputs([])).toHaveLength(2);
  // With a timeout, the state is listed least recently updated first.
  expect(await outputs([{ partition: 0, key: 'u2', value: { url: '/home' } }])).toEqual([
    [],
    [
      ['u1', { clicks: 2, pages: ['/home', '/cart'] }],
      ['u2', { clicks: 2, pages: ['/home'] }],
    ],
  ]);
  expect((await outputs([]))[0]).toEqual([]);
  // t = 50 s: u1 idle since 10 s, for 40 s > 30 s.
  expect(await outputs([])).toEqual([
    [{ user: 'u1', clicks: 2, pages: ['/home', '/cart'] }],
    [['u2', { clicks: 2, pages: ['/home'] }]],
  ]);
  // t = 60 s: u2, idle since 30 s, is not past 30 s yet; at 70 s it is.
  expect((await outputs([]))[0]).toEqual([]);
  expect(await outputs([])).toEqual([[{ user: 'u2', clicks: 2, pages: ['/home'] }], []]);
});
