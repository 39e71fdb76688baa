import { expect, it } from 'vitest';
import job from '../../examples/running-totals.ts';
import { TestDriver } from '../../src/testing/index.ts';

// The updateStateByKey example in docs/state.md, kept true. u1 and u2 are both in state
// partition 0 of 2 (murmur2): the state lists them in the order they first came.
it('keeps running totals per record key, forgets a key on a null amount, emits every key each batch', async () => {
  const driver = new TestDriver(job, { partitionCount: 2 });
  const first = await driver.runBatch([
    { partition: 1, key: 'u1', value: 5 },
    { partition: 0, key: 'u2', value: 7 },
    { partition: 1, key: 'u1', value: 2 },
    { partition: 0, key: null, value: 100 },
  ]);
  expect(first.outputs[0]?.values).toEqual([
    ['u2', { count: 1, sum: 7 }],
    ['u1', { count: 2, sum: 7 }],
  ]);
  const second = await driver.runBatch([
    { partition: 0, key: 'u2', value: null },
    { partition: 0, key: 'u2', value: 1 },
  ]);
  expect(second.outputs[0]?.values).toEqual([
    ['u2', { count: 1, sum: 1 }],
    ['u1', { count: 2, sum: 7 }],
  ]);
  const third = await driver.runBatch([{ partition: 1, key: 'u1', value: null }]);
  expect(third.outputs[0]?.values).toEqual([['u2', { count: 1, sum: 1 }]]);
  expect(third.outputs[0]?.sink).toEqual({ type: 'print', count: 20 });
});
