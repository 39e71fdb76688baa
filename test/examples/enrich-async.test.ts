import { expect, it } from 'vitest';
import job, { standInProfile } from '../../examples/enrich-async.ts';
import { TestDriver } from '../../src/testing/index.ts';

// The example in docs/jobs.md, kept true: clicks joined with the stand-in's plans, in order, and
// counted per plan.
const click = (user: string, url: string) => ({ ts: 0, user, url, status: 200, bytes: 10, latencyMs: 5 });

it('joins each click with its user’s plan, keeping each partition’s order, and counts clicks per plan', async () => {
  const driver = new TestDriver(job, { env: { ENRICHED_DIR: '/tmp/unused' } });
  const users = ['u4', 'u0', 'u1', 'u2', 'u3', 'u5'];
  const batch = await driver.runBatch(
    users.map((user, i) => ({ partition: i % 2, value: click(user, `/p/${i}`) })),
  );
  expect(batch.outputs.map((output) => output.sink.type)).toEqual(['print', 'saveAsTextFiles']);
  expect(batch.outputs[0]?.values).toEqual([
    ['pro', 2],
    ['free', 2],
    ['team', 2],
  ]);
  expect(batch.outputs[1]?.values).toEqual([
    { partition: 0, offset: 0, user: 'u4', url: '/p/0', plan: 'pro' },
    { partition: 0, offset: 1, user: 'u1', url: '/p/2', plan: 'pro' },
    { partition: 0, offset: 2, user: 'u3', url: '/p/4', plan: 'free' },
    { partition: 1, offset: 0, user: 'u0', url: '/p/1', plan: 'free' },
    { partition: 1, offset: 1, user: 'u2', url: '/p/3', plan: 'team' },
    { partition: 1, offset: 2, user: 'u5', url: '/p/5', plan: 'team' },
  ]);
});

it('the stand-in stops when its call is aborted', async () => {
  const controller = new AbortController();
  const answer = standInProfile('u4', controller.signal);
  controller.abort(new Error('timed out'));
  await expect(answer).rejects.toMatchObject({ name: 'AbortError' });
});
