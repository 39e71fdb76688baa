import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Slots } from '../../src/coordinator/slots.ts';
import { type BatchInfo, encodePlain } from '../../src/core/index.ts';
import { buildGraph, Plan } from '../../src/dsl/index.ts';
import { ErrorCode, isSluiceError, slotFailure } from '../../src/errors/index.ts';
import { GENERATOR_TOPIC } from '../../src/task/index.ts';
import job from '../fixtures/jobs/failing-functions.ts';

// A user function's error thrown in a real worker slot reaches the main thread with its code,
// message, stack (the job file's frames) and cause chain.

const JOB = 'test/fixtures/jobs/failing-functions.ts';
const info: BatchInfo = { batchId: 0, time: 1000, intervalMs: 1000, offsetRanges: [] };
const open: Slots[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((slots) => slots.close()));
});

function slots(env: Record<string, string>): Slots {
  const made = new Slots(1, {
    jobPath: resolve(JOB),
    env,
    signature: buildGraph(job, env).signature(),
    valueFormat: 'json',
    decodePolicy: 'fail',
    latePolicy: 'count',
    maxEventTimeAheadMs: 3_600_000,
    generator: { seed: 1, partitions: 1 },
  });
  open.push(made);
  return made;
}

/** Messages of `error`'s causes, outermost first. */
function causes(error: Error): string[] {
  const messages: string[] = [];
  for (let link = error.cause; link instanceof Error; link = link.cause) messages.push(link.message);
  return messages;
}

describe('errors from a worker slot', () => {
  it("a user function's error in a partition batch: the batch's SLUICE_USER_FUNCTION with the slot's stack and causes", async () => {
    const result = await slots({}).run(GENERATOR_TOPIC, 0, {
      type: 'generate',
      info,
      partition: 0,
      fromOffset: 0,
      count: 3,
    });
    const fatal = result.fatal ?? expect.fail('the batch did not fail');
    expect(fatal.code).toBe(ErrorCode.userFunction);
    // As the engine rebuilds it.
    const error = slotFailure(ErrorCode.userFunction, fatal.message, result.fatalError);
    expect(error.code).toBe('SLUICE_USER_FUNCTION');
    expect(error.message).toMatch(
      /^card of u\d+ declined \(at topic generator, partition 0, offset 0; thrown at \/.*\/test\/fixtures\/jobs\/failing-functions\.ts:\d+:\d+\)$/,
    );
    expect(causes(error)).toEqual([
      error.message.replace(/ \(at .*\)$/, ''),
      'gateway timed out',
      'socket closed',
    ]);
    const thrown = error.cause as Error & { code?: string };
    expect({ name: thrown.name, code: thrown.code }).toEqual({ name: 'PaymentError', code: 'E_PAYMENT' });
    expect((thrown.cause as Error).cause).toBeInstanceOf(Error);
    expect(((thrown.cause as Error).cause as Error).name).toBe('TypeError');
    // The stack: the main thread's error, then the frames where the job threw in the slot.
    const lines = (error.stack ?? '').split('\n');
    expect(lines[0]).toBe(`SluiceError: ${error.message}`);
    expect(lines[1]).toMatch(/^\s+at charge \(.*failing-functions\.ts:\d+:\d+\)$/);
    expect(thrown.stack).toMatch(
      /^PaymentError: card of u\d+ declined\n\s+at charge \(.*failing-functions\.ts/,
    );
  });

  it("a user function's error in a state task: the slot's code, or SLUICE_WORKER, naming the slot, with its stack and causes", async () => {
    const env = { FAIL_IN: 'state' };
    const error = await stateFailure(slots(env), { topic: 't', partitions: 1 }, stateNode(env));
    if (!isSluiceError(error)) expect.fail(`not a SluiceError: ${String(error)}`);
    // PaymentError's code is none of Sluice's.
    expect(error.code).toBe('SLUICE_WORKER');
    expect(error.message).toBe('worker slot 0 failed to state t-0: card of 2 users declined');
    expect(causes(error)).toEqual(['card of 2 users declined', 'gateway timed out', 'socket closed']);
    expect(error.stack).toMatch(
      /^SluiceError: worker slot 0 failed to state t-0: card of 2 users declined\n\s+at charge \(.*failing-functions\.ts:\d+/,
    );
    expect(error.stack).toContain('slots.ts');
  });

  it('a SluiceError thrown in a slot keeps its code on the main thread', async () => {
    const env = { FAIL_IN: 'state' };
    const node = stateNode(env);
    const error = await stateFailure(slots(env), { topic: 't', partitions: 0 }, node);
    expect(error).toMatchObject({
      code: 'SLUICE_STATE',
      message:
        'worker slot 0 failed to state t-0: keyed state needs the partition count of topic t, an integer >= 1; got 0',
      cause: { code: 'SLUICE_STATE', name: 'SluiceError' },
    });
  });

  it("another error of the slot's own code: SLUICE_WORKER, its stack from the worker", async () => {
    const error = await stateFailure(slots({}), { topic: 't', partitions: 1 }, 99);
    expect(error).toMatchObject({
      code: 'SLUICE_WORKER',
      message: 'worker slot 0 failed to state t-0: node 99 is not a state operation of this job',
    });
    expect(error.stack).toMatch(/^SluiceError: .*\n\s+at .*runState \(.*task-runner\.ts:\d+/);
  });
});

function stateNode(env: Record<string, string>): number {
  return new Plan(buildGraph(job, env)).keyedStates[0]?.id ?? expect.fail('the job has no state operation');
}

/** What a state task of `node` over `layout` in partition 0 fails with. */
async function stateFailure(
  pool: Slots,
  layout: { topic: string; partitions: number },
  node: number,
): Promise<Error> {
  return pool
    .keyed({
      type: 'state',
      info,
      layout,
      partition: 0,
      node,
      groups: encodePlain([['u1', [1, 1]]]),
      parts: [],
      snapshot: false,
    })
    .then(
      () => expect.fail('the state task did not fail'),
      (caught: unknown) => caught as Error,
    );
}
