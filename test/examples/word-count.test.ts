import { expect, it } from 'vitest';
import job from '../../examples/word-count.ts';
import { TestDriver } from '../../src/testing/index.ts';

// The example in docs/jobs.md, kept true.
it('counts words', async () => {
  const driver = new TestDriver(job);
  const batch = await driver.runBatch([
    { partition: 0, value: 'a b a' },
    { partition: 1, value: 'b' },
  ]);
  expect(batch.outputs[0]?.values).toEqual([
    ['a', 2],
    ['b', 2],
  ]);
  expect(batch.outputs[0]?.sink).toEqual({ type: 'print', count: 20 });
});
